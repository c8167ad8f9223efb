import { useEffect, useState } from 'preact/hooks';

/** Re-renders the component whenever the source's state changes. */
export function useSubscribed<T>(subscribe: (fn: () => void) => () => void, get: () => T): T {
  const [value, setValue] = useState(get);
  useEffect(() => {
    setValue(get);
    return subscribe(() => setValue(get));
  }, [subscribe, get]);
  return value;
}
