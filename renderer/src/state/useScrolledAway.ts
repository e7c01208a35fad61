import { useEffect, useState } from 'react';

/**
 * True once the element has scrolled out of the window (above it), false while any of it is on screen.
 * Returns a callback ref: the element may mount after the first render (the record loads first).
 */
export function useScrolledAway(): [(element: Element | null) => void, boolean] {
  const [element, setElement] = useState<Element | null>(null);
  const [away, setAway] = useState(false);
  useEffect(() => {
    if (!element) return;
    // The window stretched far downwards: below the fold counts as "on screen", so only scrolling past the top
    // (even in one jump, from below the fold) changes the answer.
    const observer = new IntersectionObserver(([entry]) => entry && setAway(!entry.isIntersecting), {
      rootMargin: '0px 0px 1000000px 0px',
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [element]);
  return [setElement, away];
}
