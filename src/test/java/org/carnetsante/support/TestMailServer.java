package org.carnetsante.support;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import java.util.Arrays;
import java.util.List;

/**
 * A real SMTP server (GreenMail) for the whole test run, on a free port: the notifications Carnet sends
 * arrive here over SMTP.
 */
public final class TestMailServer {

	private static GreenMail server;
	private static int port;

	private TestMailServer() {}

	public static synchronized GreenMail get() {
		if (server == null) {
			server = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
			server.start();
			port = server.getSmtp().getPort();
			Runtime.getRuntime().addShutdownHook(new Thread(() -> get().stop()));
		}
		return server;
	}

	public static int port() {
		get();
		return port;
	}

	/** The SMTP server goes down (connections refused) until {@link #restart()}. */
	public static synchronized void stop() {
		get().stop();
	}

	/** The SMTP server comes back on the same port, with an empty mailbox. */
	public static synchronized void restart() {
		server = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
		server.start();
	}

	/** The messages received so far for this address. */
	public static List<MimeMessage> messagesTo(String address) {
		return Arrays.stream(get().getReceivedMessages()).filter(message -> {
			try {
				return Arrays.stream(message.getAllRecipients()).anyMatch(recipient -> recipient.toString().equals(address));
			} catch (jakarta.mail.MessagingException e) {
				throw new IllegalStateException(e);
			}
		}).toList();
	}
}
