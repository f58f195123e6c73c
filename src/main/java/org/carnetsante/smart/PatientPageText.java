package org.carnetsante.smart;

import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Locale;
import org.springframework.context.MessageSource;
import org.springframework.context.support.ResourceBundleMessageSource;
import org.springframework.web.servlet.i18n.AcceptHeaderLocaleResolver;

/**
 * The words of the pages people see during a SMART App Launch (login, choice of space, consent,
 * authorized apps), from {@code smart/messages*.properties}: French unless the browser's
 * {@code Accept-Language} prefers English. French is the default because the service is French
 * (RGAA 8.3 asks that each page state its language, which {@link PatientPage} does from the same
 * locale). The pages' own bundle, not the application's {@code messageSource}, so that no other part of
 * Carnet depends on these words.
 */
public class PatientPageText {

	static final Locale FRENCH = Locale.FRENCH;
	static final Locale ENGLISH = Locale.ENGLISH;

	private final MessageSource messages;
	private final AcceptHeaderLocaleResolver locales;

	public PatientPageText() {
		ResourceBundleMessageSource bundle = new ResourceBundleMessageSource();
		bundle.setBasename("smart/messages");
		bundle.setDefaultEncoding("UTF-8");
		// The base bundle is French: never fall back to the server's own locale.
		bundle.setFallbackToSystemLocale(false);
		// Every message goes through MessageFormat, so that quoting rules do not depend on arguments.
		bundle.setAlwaysUseMessageFormat(true);
		this.messages = bundle;
		AcceptHeaderLocaleResolver resolver = new AcceptHeaderLocaleResolver();
		resolver.setSupportedLocales(List.of(FRENCH, ENGLISH));
		resolver.setDefaultLocale(FRENCH);
		this.locales = resolver;
	}

	/** The words for this request's language. */
	public Words forRequest(HttpServletRequest request) {
		Locale asked = locales.resolveLocale(request);
		return new Words(ENGLISH.getLanguage().equals(asked.getLanguage()) ? ENGLISH : FRENCH, messages);
	}

	/** The messages of one language. Values are plain text: pages escape them. */
	public record Words(Locale locale, MessageSource messages) {

		public String get(String key, Object... arguments) {
			return messages.getMessage(key, arguments, locale);
		}

		/** The message, or {@code null} when the bundle has none (a resource type without a plain name). */
		public String find(String key, Object... arguments) {
			return messages.getMessage(key, arguments, null, locale);
		}

		public String language() {
			return locale.getLanguage();
		}

		/** "a", "a and b", "a, b and c", as the language writes an enumeration. */
		public String enumeration(List<String> items) {
			if (items.size() <= 1) {
				return items.isEmpty() ? "" : items.get(0);
			}
			return String.join(", ", items.subList(0, items.size() - 1)) + get("list.and") + items.get(items.size() - 1);
		}
	}
}
