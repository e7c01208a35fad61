export * from './dates';
export * from './provenance';
export * from './medications';
export * from './observations';
export * from './clinical-sections';
export * from './summary-model';
export * from './completeness';
export * from './record-overview';
