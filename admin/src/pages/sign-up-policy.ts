import { useEffect, useState } from 'preact/hooks';
import { api } from '../lib/api.js';

/** SIGNUP on the server (GET /auth/config): what the panel offers before sign-in. */
export type SignupPolicy = 'open' | 'invite' | 'closed';

let loaded: Promise<SignupPolicy> | undefined;

/** The server's sign-up policy, asked once per page load; undefined while it loads. A failure offers nothing. */
export function useSignupPolicy(): SignupPolicy | undefined {
  const [policy, setPolicy] = useState<SignupPolicy>();
  useEffect(() => {
    loaded ??= api<{ signup: SignupPolicy }>('GET', '/auth/config').then((c) => c.signup, () => 'closed' as const);
    let live = true;
    void loaded.then((p) => live && setPolicy(p));
    return () => {
      live = false;
    };
  }, []);
  return policy;
}
