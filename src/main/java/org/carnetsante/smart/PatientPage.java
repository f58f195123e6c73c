package org.carnetsante.smart;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.web.util.HtmlUtils;

/**
 * The frame every page of the launch shares: the page's language on {@code <html lang>}, a title that
 * says where one is, a skip link, a banner, one {@code <main>} landmark, a footer, and the self-hosted
 * stylesheet (served without authentication, no external font or script). RGAA 8.3/8.5/8.6 (language,
 * title), 12.6/12.7 (landmarks, skip link); WCAG 2.1 SC 1.3.1, 2.4.1, 2.4.2, 3.1.1.
 */
final class PatientPage {

	/** Where the pages' stylesheet is served from, without authentication. */
	static final String ASSETS_PATH = "/smart/assets/";
	static final String STYLESHEET = ASSETS_PATH + "patient-pages.css";

	private PatientPage() {}

	/** A whole page: {@code title} (plain text) heads the browser tab, {@code content} (HTML) fills the main. */
	static String render(HttpServletRequest request, PatientPageText.Words words, String title, String content) {
		String context = request.getContextPath();
		return "<!DOCTYPE html><html lang=\"" + words.language() + "\"><head><meta charset=\"utf-8\">"
				+ "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
				+ "<title>" + escape(title) + " – " + escape(words.get("site.name")) + "</title>"
				+ "<link rel=\"stylesheet\" href=\"" + context + STYLESHEET + "\"></head><body>"
				+ "<a class=\"skip-link\" href=\"#content\">" + escape(words.get("page.skip")) + "</a>"
				+ "<header class=\"site-header\"><div class=\"wrap\"><p class=\"brand\">"
				+ "<span class=\"brand-name\">" + escape(words.get("site.name")) + "</span> "
				+ "<span class=\"brand-tagline\">" + escape(words.get("site.tagline")) + "</span></p></div></header>"
				+ "<main id=\"content\" tabindex=\"-1\"><div class=\"wrap\">" + content + "</div></main>"
				+ "<footer class=\"site-footer\"><div class=\"wrap\"><p>" + escape(words.get("site.footer"))
				+ "</p></div></footer></body></html>";
	}

	static String escape(String text) {
		return text == null ? "" : HtmlUtils.htmlEscape(text, "UTF-8");
	}

	static String hidden(String name, String value) {
		return "<input type=\"hidden\" name=\"" + escape(name) + "\" value=\"" + escape(value) + "\">";
	}
}
