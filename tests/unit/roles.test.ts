// A role on screen is a name, never a policy code.
import { describe, expect, it } from 'vitest';
import { roleName } from '../../common/roles';

describe('roleName', () => {
  it('uses the sign-in’s own name for the role', () => {
    expect(roleName({ role: 'general-practitioner', roleDisplay: 'General practitioner' })).toBe(
      'General practitioner',
    );
  });
  it('otherwise says the code in words', () => {
    expect(roleName({ role: 'general-practitioner' })).toBe('General practitioner');
    expect(roleName({ role: 'admin-staff', roleDisplay: '  ' })).toBe('Admin staff');
    expect(roleName({ role: '' })).toBe('Role not known');
  });
});
