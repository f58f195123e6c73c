package org.carnetsante.profiles;

import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code carnet.ig.*}: the implementation guide package the server validates against.
 *
 * @param packageLocation classpath location of the FHIR package built from {@code ig/}
 * @param requiredProfiles resource type → profile canonical every stored resource of that type must
 *     conform to, whether or not it declares the profile in {@code meta.profile}
 * @param validateWrites validate every write against the profiles; {@code false} only on a benchmark peer
 * @param validatorReuse validations one core validator serves before it is rebuilt (see
 *     {@link ReusingInstanceValidator}); 1 rebuilds it for every validation, as HAPI does
 * @param validatorPool core validators kept ready between validations (about the number of requests
 *     validated at once)
 */
@ConfigurationProperties("carnet.ig")
public record ImplementationGuideProperties(
		@DefaultValue("classpath:ig/carnet.fhir.ig.tgz") String packageLocation,
		Map<String, String> requiredProfiles,
		@DefaultValue("true") boolean validateWrites,
		@DefaultValue("100") int validatorReuse,
		@DefaultValue("8") int validatorPool) {

	public ImplementationGuideProperties {
		requiredProfiles = requiredProfiles == null ? Map.of() : Map.copyOf(requiredProfiles);
	}
}
