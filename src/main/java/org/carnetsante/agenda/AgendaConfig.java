package org.carnetsante.agenda;

import ca.uhn.fhir.interceptor.api.IInterceptorService;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The health agenda: appointments booked by professionals or added by the patient. */
@Configuration(proxyBeanMethods = false)
public class AgendaConfig {

	@Bean
	public AppointmentRules appointmentRules(IInterceptorService jpaInterceptors,
			org.carnetsante.access.AccessPolicyService policy) {
		AppointmentRules rules = new AppointmentRules(policy);
		jpaInterceptors.registerInterceptor(rules);
		return rules;
	}
}
