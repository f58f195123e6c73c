package org.carnetsante.space;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.carnetsante.smart.CarnetCaller;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.annotation.Profile;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * The demo's persons of the insured registry, one per state of a space (docs/space.md), provisioned through
 * the same path as a real registry: Léa Moreau (notice running: her activation code is logged, so the README's
 * walkthrough can activate her space), Hugo Lambert (opposed), Paul Girard (space opened, then closed by him).
 * Marie Dupont's space (the guide's example) is the open one. Demo profile only.
 */
@Component
@Profile("demo")
class DemoSpaces {

	private static final Logger LOG = LoggerFactory.getLogger(DemoSpaces.class);
	static final String DEMO_INS_SYSTEM = "urn:oid:1.2.250.1.213.1.4.11";
	static final String LEA = "200057511200126";
	static final String HUGO = "191127511200293";
	static final String PAUL = "177037511200352";

	private final Provisioning provisioning;
	private final SpaceRegistry registry;
	private final SpaceLifecycle lifecycle;

	DemoSpaces(Provisioning provisioning, SpaceRegistry registry, SpaceLifecycle lifecycle) {
		this.provisioning = provisioning;
		this.registry = registry;
		this.lifecycle = lifecycle;
	}

	@EventListener(ApplicationReadyEvent.class)
	void loadDemoSpaces() throws IOException {
		if (registry.byIns(DEMO_INS_SYSTEM + "|" + LEA).isPresent()) {
			return; // loaded by an earlier start on the same database
		}
		Path file = Files.createTempFile("carnet-demo-registry-", ".ndjson");
		try {
			Files.writeString(file, String.join("\n", List.of(
					line(LEA, "Moreau", "Léa", "2000-05-14", "female", "lea.moreau@example.org"),
					line(HUGO, "Lambert", "Hugo", "1991-12-03", "male", "hugo.lambert@example.org"),
					line(PAUL, "Girard", "Paul", "1977-03-21", "male", "paul.girard@example.org"))) + "\n", StandardCharsets.UTF_8);
			provisioning.run(file, RegistryReader.Format.NDJSON, (run, total) -> {
			});
		} finally {
			Files.deleteIfExists(file);
		}
		CarnetCaller portal = new CarnetCaller("demo-portal", CarnetCaller.Kind.SYSTEM, "demo-portal", null, null, null, List.of(),
				null, null, null, null, null, null, "Demo national portal");
		lifecycle.opposeByCode(ins(HUGO), registry.renewCode(ins(HUGO)), LocalDate.parse("1991-12-03"), portal);
		String paul = lifecycle.activateByCode(ins(PAUL), registry.renewCode(ins(PAUL)), LocalDate.parse("1977-03-21"), portal);
		lifecycle.close(paul, portal, false);
		String code = registry.renewCode(ins(LEA));
		LOG.warn("Demo spaces: Léa Moreau (INS {}|{}, born 2000-05-14) has an information notice running, activation code {};"
				+ " Hugo Lambert opposed; Paul Girard's space (Patient/{}) is closed", DEMO_INS_SYSTEM, LEA, code, paul);
	}

	private static String ins(String nir) {
		return DEMO_INS_SYSTEM + "|" + nir;
	}

	private static String line(String nir, String family, String given, String birthDate, String sex, String email) {
		return "{\"insSystem\":\"" + DEMO_INS_SYSTEM + "\",\"ins\":\"" + nir + "\",\"family\":\"" + family + "\",\"given\":\""
				+ given + "\",\"birthDate\":\"" + birthDate + "\",\"sex\":\"" + sex + "\",\"email\":\"" + email + "\"}";
	}
}
