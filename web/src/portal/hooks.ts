// Loading portal data: one request's answer with its error and a reload, through the portal
// client (the portal session token, never the staff one).
import { createContext, useCallback, useContext, useEffect, useState } from "react";
import { portalApi } from "./client";
import type { PortalMe, PortalParts } from "./types";

export function usePortalFetch<T>(path: string | null) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(path !== null);
  const reload = useCallback(async () => {
    if (!path) return;
    setLoading(true);
    setError(null);
    try {
      setData(await portalApi.get<T>(path));
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  }, [path]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { data, setData, error, loading, reload };
}

export interface PortalContextValue {
  me: PortalMe;
  /** Whether a part is on for this portal user (the agency's switch and the user's role). */
  can: (part: keyof PortalParts) => boolean;
  /** A preview session ("view as client"): read-only, no write buttons. */
  readOnly: boolean;
}

export const PortalContext = createContext<PortalContextValue | null>(null);

export function usePortal(): PortalContextValue {
  const value = useContext(PortalContext);
  if (!value) throw new Error("usePortal outside the portal");
  return value;
}
