package org.carnetsante.space;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code carnet.space.*}: patients' spaces.
 *
 * @param insSystems identifier systems of the national health identifier (INS): one value of one of them
 *     identifies one space only (real INS-NIR, temporary NIA, test and demo values, design.md §4)
 */
@ConfigurationProperties("carnet.space")
public record SpaceProperties(
		@DefaultValue({"urn:oid:1.2.250.1.213.1.4.8", "urn:oid:1.2.250.1.213.1.4.9", "urn:oid:1.2.250.1.213.1.4.10",
				"urn:oid:1.2.250.1.213.1.4.11"}) List<String> insSystems) {

	public SpaceProperties {
		insSystems = List.copyOf(insSystems);
	}
}
