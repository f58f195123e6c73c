package org.carnetsante.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.jpa.searchparam.util.JpaParamUtil;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.api.QualifiedParamList;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import ca.uhn.fhir.util.UrlUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether the values of a search read as the types of their search parameters ({@code 5.4},
 * {@code ge2024-01-01}), parsed as HAPI parses them. HAPI's own parse fails on some with exceptions
 * of its own ({@code value-quantity=ge0000-01-01} is a NumberFormatException): sent alone, such a
 * search is turned into a 400 by {@link ClientContentFailures}, but in a batch entry, a conditional
 * URL or a conditional reference of a batch, HAPI's batch processor answers it with a 500 of the
 * entry. Those are checked here beforehand. Unknown parameters, modifiers and chains are left to
 * HAPI, which refuses them itself.
 */
final class SearchValueSyntax {

	private final FhirContext fhirContext;
	private final ISearchParamRegistry searchParameters;

	SearchValueSyntax(FhirContext fhirContext, ISearchParamRegistry searchParameters) {
		this.fhirContext = fhirContext;
		this.searchParameters = searchParameters;
	}

	/** Why a query string ({@code value-quantity=5.4&date=ge2024}) of a search of {@code type} cannot be read. */
	Optional<String> problem(String type, String query) {
		for (Map.Entry<String, String[]> parameter : UrlUtil.parseQueryString(query).entrySet()) {
			String[] nameAndModifier = parameter.getKey().split("[:.]", 2);
			RuntimeSearchParam definition = searchParameters.getActiveSearchParam(
					type, nameAndModifier[0], ISearchParamRegistry.SearchParamLookupContextEnum.SEARCH);
			if (definition == null || nameAndModifier.length > 1) {
				continue;
			}
			List<QualifiedParamList> values = new ArrayList<>();
			for (String value : parameter.getValue()) {
				values.add(QualifiedParamList.splitQueryStringByCommasIgnoreEscape(null, value));
			}
			try {
				JpaParamUtil.parseQueryParams(searchParameters, fhirContext, definition, nameAndModifier[0], values);
			} catch (DataFormatException | IllegalArgumentException | UnsupportedOperationException unreadable) {
				return Optional.of("the value of " + parameter.getKey() + " is not a "
						+ definition.getParamType().getCode() + " value (" + unreadable.getMessage() + ")");
			}
		}
		return Optional.empty();
	}
}
