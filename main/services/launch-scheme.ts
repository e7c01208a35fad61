/** The reverse-DNS private-use URI scheme EPRs launch the viewer with (RFC 8252 §7.1). */
export const LAUNCH_SCHEME = 'uk.nhs.wessexcarerecords';
