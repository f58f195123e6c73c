package org.carnetsante.notify;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.springframework.mail.SimpleMailMessage;
import org.springframework.mail.javamail.JavaMailSender;

/**
 * E-mails a patient over SMTP. An e-mail says that something happened and where to look, never what a
 * document holds: e-mail is not a secure channel for health data.
 */
public class EmailChannel {

	private static final DateTimeFormatter WHEN =
			DateTimeFormatter.ofPattern("d MMMM yyyy 'à' HH'h'mm", Locale.FRANCE).withZone(ZoneId.of("Europe/Paris"));

	private final JavaMailSender sender;
	private final String from;
	private final String spaceUrl;

	public EmailChannel(JavaMailSender sender, String from, String spaceUrl) {
		this.sender = sender;
		this.from = from;
		this.spaceUrl = spaceUrl;
	}

	public void send(String address, NotificationOutbox.Pending notification) {
		SimpleMailMessage message = new SimpleMailMessage();
		message.setFrom(from);
		message.setTo(address);
		String when = WHEN.format(notification.happened());
		String look = spaceUrl.isBlank() ? "Connectez-vous à votre espace santé pour le consulter."
				: "Connectez-vous à votre espace santé pour le consulter : " + spaceUrl;
		switch (notification.kind()) {
			case DOCUMENT_ADDED -> {
				message.setSubject("Un nouveau document dans votre espace santé");
				message.setText("Bonjour,\n\nUn nouveau document a été ajouté à votre espace santé le " + when + ".\n" + look + "\n");
			}
			case DOCUMENT_REPLACED -> {
				message.setSubject("Un document de votre espace santé a été mis à jour");
				message.setText("Bonjour,\n\nUn document de votre espace santé a été remplacé par une nouvelle version le " + when
						+ ".\n" + look + "\n");
			}
			case EMERGENCY_ACCESS -> {
				message.setSubject("Accès en urgence à votre espace santé");
				message.setText("Bonjour,\n\nUn professionnel de santé a accédé à votre espace santé en urgence le " + when + " ("
						+ (notification.about() != null && notification.about().startsWith("centre_15") ? "régulation du centre 15"
								: "bris de glace") + ").\nL'historique des accès de votre espace indique qui, quand et ce qui a été consulté.\n");
			}
			case APPOINTMENT_BOOKED -> {
				message.setSubject("Un rendez-vous dans votre agenda santé");
				message.setText("Bonjour,\n\nUn professionnel de santé a ajouté un rendez-vous à l'agenda de votre espace santé le "
						+ when + ".\n" + look + "\n");
			}
			// Reminders say that something is due, not which appointment, vaccine or screening: the space tells.
			case APPOINTMENT_REMINDER -> {
				message.setSubject("Rappel : un rendez-vous approche");
				message.setText("Bonjour,\n\nUn rendez-vous de l'agenda de votre espace santé approche.\n"
						+ look.replace("le consulter", "voir la date et l'heure") + "\n");
			}
			case VACCINATION_DUE -> {
				message.setSubject("Une vaccination recommandée pour vous");
				message.setText("Bonjour,\n\nSelon le calendrier des vaccinations, une vaccination est recommandée pour vous"
						+ " ou la personne dont vous gérez l'espace santé.\n" + look.replace("le consulter", "voir laquelle")
						+ "\nParlez-en à votre médecin, votre pharmacien, votre infirmier ou votre sage-femme.\n");
			}
			case SCREENING_DUE -> {
				message.setSubject("Un dépistage recommandé pour vous");
				message.setText("Bonjour,\n\nUn dépistage organisé est recommandé pour vous à votre âge.\n"
						+ look.replace("le consulter", "voir lequel") + "\nParlez-en à votre médecin.\n");
			}
			case SPACE_NOTICE -> {
				// about: "<activation code>|<opposition deadline, ISO date>" (SpaceRegistry), cleared once sent.
				String[] notice = notification.about() == null ? new String[] {"", ""} : notification.about().split("\\|", 2);
				message.setSubject("Votre espace santé va être créé");
				message.setText("Bonjour,\n\nUn espace santé va être créé pour vous. Il vous permettra de conserver vos documents de"
						+ " santé et de les partager avec les professionnels de santé de votre choix.\n\n"
						+ "Vous pouvez l'activer dès maintenant, ou vous y opposer, avec ce code d'activation : " + notice[0] + "\n"
						+ "Sans opposition de votre part avant le " + notice[1] + ", il sera créé automatiquement.\n"
						+ "Vous pourrez le fermer à tout moment.\n");
			}
			case SPACE_INVITATION -> {
				// about: "<code>|<invitation id>|<who invites>|<delegate or legal-representative>" (SpaceInvitations)
				String[] invitation = notification.about() == null ? new String[] {"", "", "", ""} : notification.about().split("\\|", 4);
				message.setSubject("Une invitation à accéder à un espace santé");
				message.setText("Bonjour,\n\n" + invitation[2] + " vous invite à accéder à son espace santé"
						+ ("legal-representative".equals(invitation[3]) ? ", comme second représentant légal de l'enfant." : ", comme proche.")
						+ "\nConnectez-vous à votre propre espace santé pour accepter ou refuser l'invitation "
						+ invitation[1] + " avec ce code : " + invitation[0] + "\nSans réponse, l'invitation expire.\n");
			}
			case SPACE_OPENED -> {
				message.setSubject("Votre espace santé est ouvert");
				message.setText("Bonjour,\n\nVotre espace santé est ouvert depuis le " + when + ".\n" + look.replace("le consulter",
						"le découvrir et choisir qui peut y accéder") + "\nVous pouvez le fermer à tout moment.\n");
			}
			case SPACE_OPPOSED -> {
				message.setSubject("Votre opposition est enregistrée");
				message.setText("Bonjour,\n\nVotre opposition à la création de votre espace santé est enregistrée le " + when
						+ ".\nAucun document ne sera conservé pour vous. Vous pourrez changer d'avis à tout moment.\n");
			}
			case SPACE_CLOSED -> {
				message.setSubject("Votre espace santé est fermé");
				message.setText("Bonjour,\n\nVotre espace santé a été fermé le " + when + ". Plus aucun professionnel ne peut y"
						+ " accéder ni y ajouter de document. Vous pouvez le rouvrir à tout moment.\n");
			}
			case SPACE_REOPENED -> {
				message.setSubject("Votre espace santé est rouvert");
				message.setText("Bonjour,\n\nVotre espace santé a été rouvert le " + when + ".\n" + look + "\n");
			}
			case SPACE_COMING_OF_AGE -> {
				message.setSubject("Votre espace santé est désormais le vôtre");
				message.setText("Bonjour,\n\nVous avez 18 ans : vos représentants légaux n'ont plus accès à votre espace santé,"
						+ " qui est désormais le vôtre. Les documents que vous leur aviez masqués le restent.\n"
						+ "Vous pouvez le garder ouvert ou le fermer à tout moment.\n" + look + "\n");
			}
			case MESSAGE_RECEIVED -> {
				// Who wrote and what about stay in the space: an e-mail box is not a secure channel.
				message.setSubject("Un nouveau message dans votre espace santé");
				message.setText("Bonjour,\n\nUn professionnel de santé vous a écrit dans la messagerie de votre espace santé le "
						+ when + ".\n" + look.replace("le consulter", "le lire") + "\n");
			}
		}
		sender.send(message);
	}
}
