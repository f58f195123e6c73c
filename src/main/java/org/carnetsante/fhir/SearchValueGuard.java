package org.carnetsante.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.model.api.IQueryParameterType;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.param.CompositeParam;
import ca.uhn.fhir.rest.param.NumberParam;
import ca.uhn.fhir.rest.param.QuantityParam;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * Refuses (400) a search whose values the database cannot take: a number or quantity outside
 * {@link DecimalBounds} ({@code value-quantity=1e400} failed in PostgreSQL, out of the range of a
 * double), or text that {@link FhirText} refuses ({@code %00} failed in PostgreSQL, which cannot hold
 * NUL). It runs on HAPI's storage pointcut before every search of the database, so it covers alike
 * searches in URLs, in batch entries, and the conditional URLs of creates, updates, deletes,
 * {@code If-None-Exist} and conditional references ({@code Patient?identifier=…}) inside resources.
 * (Chained values are not read as numbers here: the access policy admits no chain but the patient's
 * identifier.) {@code _filter}, which Carnet does not serve, is refused here too: HAPI parsed it before
 * saying so, and failed with a server error on a malformed one.
 */
@Interceptor
public class SearchValueGuard {

	private final FhirContext fhirContext;
	private final DecimalBounds decimals;

	public SearchValueGuard(FhirContext fhirContext, DecimalBounds decimals) {
		this.fhirContext = fhirContext;
		this.decimals = decimals;
	}

	@Hook(value = Pointcut.STORAGE_PRESEARCH_REGISTERED, order = StorableValueGuard.HOOK_ORDER)
	public void checkSearch(SearchParameterMap search) {
		if (search.containsKey(Constants.PARAM_FILTER)) {
			// Not enabled; HAPI parses it before telling so, and its parser fails on a bare "_filter=".
			throw OperationOutcomes.invalid(OperationOutcome.IssueType.NOTSUPPORTED, null,
					"Search parameter _filter is not served");
		}
		for (Map.Entry<String, List<List<IQueryParameterType>>> parameter : search.entrySet()) {
			for (List<IQueryParameterType> alternatives : parameter.getValue()) {
				for (IQueryParameterType value : alternatives) {
					check(parameter.getKey(), value);
				}
			}
		}
	}

	private void check(String name, IQueryParameterType value) {
		if (value instanceof CompositeParam<?, ?> composite) {
			check(name, composite.getLeftValue());
			check(name, composite.getRightValue());
			return;
		}
		// Numbers first: rendering a huge one as text would write it out in full.
		BigDecimal number = value instanceof NumberParam n ? n.getValue()
				: value instanceof QuantityParam q ? q.getValue() : null;
		if (number != null) {
			refuseIfPresent(name, decimals.problem(number));
		}
		String text = value.getValueAsQueryToken(fhirContext);
		if (text != null) {
			refuseIfPresent(name, FhirText.problem(text));
		}
	}

	private static void refuseIfPresent(String name, Optional<String> problem) {
		problem.ifPresent(why -> {
			throw OperationOutcomes.invalid(
					OperationOutcome.IssueType.INVALID, null, "Search parameter " + name + ": its value " + why);
		});
	}
}
