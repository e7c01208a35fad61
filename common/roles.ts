// A role as a clinician reads it: the sign-in's own name for it ("General practitioner", "Paramedic"), else its
// policy code in words ("admin-staff" → "Admin staff"); never the raw code on screen.

export function roleName(user: { role: string; roleDisplay?: string }): string {
  const display = user.roleDisplay?.trim();
  if (display) return display;
  const words = user.role.replace(/[-_]+/g, ' ').trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : 'Role not known';
}
