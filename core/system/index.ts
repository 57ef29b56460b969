// core/system: probes of what this box (or a guest's tree) can run, recorded in every run bundle.
export { collectSystemState, type CollectOptions, type FullSystemState } from './collect.js';
export { runDoctor, deriveCapabilities, type DoctorReport, type DoctorCheck, type Capability } from './doctor.js';
export { buildChecks } from './doctor-checks.js';
export { renderDoctor } from './render-doctor.js';
