package org.carnetsante.access;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * Keeps {@link SpaceRulesStore} in step with the resources that state a space's rules: on the
 * pre-commit pointcuts, inside the transaction that writes them, whatever path wrote them (REST,
 * transaction entries, internal writes).
 */
@Interceptor
public class SpaceRulesIndexer {

	private final FhirContext fhirContext;
	private final SpaceRuleSources sources;
	private final SpaceRulesStore store;

	public SpaceRulesIndexer(FhirContext fhirContext, SpaceRuleSources sources, SpaceRulesStore store) {
		this.fhirContext = fhirContext;
		this.sources = sources;
		this.store = store;
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
	public void created(IBaseResource resource) {
		index(resource);
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
	public void updated(IBaseResource previous, IBaseResource resource) {
		index(resource);
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
	public void deleted(IBaseResource resource) {
		if (SpaceRuleSources.statesRules(fhirContext.getResourceType(resource))) {
			store.remove(resource.getIdElement().toUnqualifiedVersionless().getValue());
		}
	}

	void index(IBaseResource resource) {
		if (SpaceRuleSources.statesRules(fhirContext.getResourceType(resource))) {
			sources.derive(resource).ifPresent(store::replace);
		}
	}
}
