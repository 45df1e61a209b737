/** Metadata key of the named scope a customer API route requires. */
export const REQUIRED_SCOPE = 'keymeter:required-scope';
