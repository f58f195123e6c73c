package org.carnetsante.space;

import java.time.Duration;
import java.time.Period;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code carnet.space.*}: patients' spaces, their lifecycle and the provisioning from the insured registry
 * (docs/space.md).
 *
 * @param insSystems identifier systems of the national health identifier (INS): one value of one of them
 *     identifies one space only (real INS-NIR, temporary NIA, test and demo values, design.md §4)
 * @param lifecycle the states of a space and their deadlines
 * @param opening the job that opens the spaces whose opposition period ended
 * @param provisioning the intake of the insured registry
 * @param invitations invitations of delegates and second legal representatives
 */
@ConfigurationProperties("carnet.space")
public record SpaceProperties(
		@DefaultValue({"urn:oid:1.2.250.1.213.1.4.8", "urn:oid:1.2.250.1.213.1.4.9", "urn:oid:1.2.250.1.213.1.4.10",
				"urn:oid:1.2.250.1.213.1.4.11"}) List<String> insSystems,
		@DefaultValue Lifecycle lifecycle,
		@DefaultValue Opening opening,
		@DefaultValue Provisioning provisioning,
		@DefaultValue Invitations invitations) {

	public SpaceProperties {
		insSystems = List.copyOf(insSystems);
	}

	/**
	 * @param oppositionPeriod how long after the information notice the person may oppose before the space opens
	 * @param retention how long a closed space's content is kept (the law keeps a closed DMP 10 years)
	 * @param codeAttempts wrong activation codes accepted for one INS before its codes are locked
	 * @param codeLockout how long they stay locked
	 * @param portalClients the OAuth clients (national portal, call centre) that carry a person's activation
	 *     or opposition by code ({@code $activate}, {@code $oppose} at the server level); none by default
	 */
	public record Lifecycle(
			@DefaultValue("P42D") Period oppositionPeriod,
			@DefaultValue("P10Y") Period retention,
			@DefaultValue("5") int codeAttempts,
			@DefaultValue("1h") Duration codeLockout,
			@DefaultValue List<String> portalClients) {

		public Lifecycle {
			portalClients = List.copyOf(portalClients);
		}
	}

	/**
	 * @param validity how long an invitation waits for its answer before it expires
	 * @param codeAttempts wrong codes an invitation takes before it is refused for good
	 * @param longestDelegation how far ahead a delegation may end
	 */
	public record Invitations(
			@DefaultValue("P14D") Period validity,
			@DefaultValue("5") int codeAttempts,
			@DefaultValue("P1Y") Period longestDelegation) {}

	/**
	 * @param enabled whether this node takes part in opening spaces (one node at a time does)
	 * @param pollInterval how often a node looks for deadlines passed
	 * @param batchSize spaces opened per transaction
	 * @param lease how long the node that holds the job keeps it without renewing
	 */
	public record Opening(
			@DefaultValue("true") boolean enabled,
			@DefaultValue("30s") Duration pollInterval,
			@DefaultValue("100") int batchSize,
			@DefaultValue("2m") Duration lease) {}

	/**
	 * @param clients the OAuth clients (system, with scope {@code system/Patient.cu}) allowed to provision
	 *     from the registry ({@code POST /fhir/$import}); none by default: the endpoint answers 403
	 * @param batchSize registry lines committed together (a resumed run restarts after the last batch committed)
	 * @param workDir where uploaded registries wait while they are read
	 * @param maxUpload largest registry accepted by the endpoint (as stored, after a gzip body is inflated)
	 */
	public record Provisioning(
			@DefaultValue List<String> clients,
			@DefaultValue("1000") int batchSize,
			@DefaultValue("${java.io.tmpdir}/carnet-provisioning") String workDir,
			@DefaultValue("4GB") org.springframework.util.unit.DataSize maxUpload) {

		public Provisioning {
			clients = List.copyOf(clients);
		}
	}
}
