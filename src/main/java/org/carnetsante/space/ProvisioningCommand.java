package org.carnetsante.space;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.stereotype.Component;

/**
 * The administrator's command that provisions spaces from an insured registry file, then exits:
 *
 * <pre>java -jar carnet.jar --spring.main.web-application-type=none --carnet.admin.provision=registry.ndjson</pre>
 *
 * Like client registration it runs against the deployment's database. It shows a progress bar (lines
 * read, spaces created, updated, unchanged, lines refused, rate, time left) and ends with the report and
 * the first lines refused. Interrupted, the same command resumes after the last batch committed.
 */
@Component
@ConditionalOnProperty("carnet.admin.provision")
class ProvisioningCommand implements ApplicationRunner {

	private static final Logger LOG = LoggerFactory.getLogger(ProvisioningCommand.class);
	private static final int BAR_WIDTH = 30;
	private static final int REJECTIONS_SHOWN = 20;

	private final Provisioning provisioning;
	private final ConfigurableApplicationContext context;

	ProvisioningCommand(Provisioning provisioning, ConfigurableApplicationContext context) {
		this.provisioning = provisioning;
		this.context = context;
	}

	@Override
	public void run(ApplicationArguments arguments) throws Exception {
		Path file = Path.of(context.getEnvironment().getRequiredProperty("carnet.admin.provision"));
		String format = context.getEnvironment().getProperty("carnet.admin.provision-format", file.getFileName().toString());
		PrintStream out = System.out;
		long started = System.nanoTime();
		long[] linesAtStart = {-1};
		ProvisioningRuns.Run run = provisioning.run(file, RegistryReader.Format.of(format), (progress, total) -> {
			if (linesAtStart[0] < 0) {
				linesAtStart[0] = progress.linesDone();
			}
			out.print("\r" + bar(progress, total, linesAtStart[0], Duration.ofNanos(System.nanoTime() - started)));
			out.flush();
		});
		out.println();
		out.printf(Locale.ROOT, "%s: %d lines, %d spaces created, %d updated, %d unchanged, %d lines refused%n", file,
				run.linesDone(), run.created(), run.updated(), run.unchanged(), run.rejected());
		for (ProvisioningRuns.Rejection rejection : provisioning.runs().rejections(run.key(), REJECTIONS_SHOWN)) {
			out.printf(Locale.ROOT, "  line %d: %s%n", rejection.line(), rejection.reason());
		}
		if (run.rejected() > REJECTIONS_SHOWN) {
			out.printf(Locale.ROOT, "  … and %d more (table carnet_provisioning_rejection, run %s)%n", run.rejected() - REJECTIONS_SHOWN,
					run.key());
		}
		LOG.info("Provisioned from {} (run {})", file, run.key());
		context.close();
	}

	/** {@code [#####·····] 42% 420000/1000000 lines · 400000 created · 0 updated · 0 unchanged · 12 refused · 2400 lines/s · 4m left} */
	static String bar(ProvisioningRuns.Run run, long totalLines, long linesAtStart, Duration elapsed) {
		double share = totalLines == 0 ? 1 : Math.min(1, (double) run.linesDone() / totalLines);
		int filled = (int) Math.round(share * BAR_WIDTH);
		double seconds = Math.max(elapsed.toMillis(), 1) / 1000.0;
		double rate = (run.linesDone() - Math.max(linesAtStart, 0)) / seconds;
		long left = rate <= 0 ? 0 : Math.round((totalLines - run.linesDone()) / rate);
		return String.format(Locale.ROOT, "[%s%s] %3.0f%% %d/%d lines · %d created · %d updated · %d unchanged · %d refused · %.0f lines/s · %s left ",
				"#".repeat(filled), "·".repeat(BAR_WIDTH - filled), share * 100, run.linesDone(), totalLines, run.created(),
				run.updated(), run.unchanged(), run.rejected(), rate, Duration.ofSeconds(left).toString().substring(2).toLowerCase(Locale.ROOT));
	}
}
