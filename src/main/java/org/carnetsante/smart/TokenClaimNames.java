package org.carnetsante.smart;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code carnet.smart.claims.*}: the names of the token claims Carnet reads. The defaults are those
 * of Carnet's embedded authorization server; an external issuer (Keycloak, Pro Santé Connect) is
 * mapped by setting these, never by code.
 */
@ConfigurationProperties("carnet.smart.claims")
public record TokenClaimNames(
		@DefaultValue("scope") String scope,
		@DefaultValue("fhirUser") String fhirUser,
		@DefaultValue("patient") String patient,
		@DefaultValue("profession") String profession,
		@DefaultValue("specialty") String specialty,
		@DefaultValue("idnat") String idNat,
		@DefaultValue("organization") String organization,
		@DefaultValue("purpose_of_use") String purposeOfUse,
		@DefaultValue("client_id") String clientId,
		@DefaultValue("space_relationship") String relationship,
		@DefaultValue("organization_sector") String sector,
		@DefaultValue("name") String name) {}
