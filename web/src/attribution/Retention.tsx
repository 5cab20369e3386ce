// How long raw events are kept (`/api/attribution/settings`): shown to everyone who sees
// attribution, changed by those with `attribution.manage`. Daily counts are kept whatever it says.
import { useState } from "react";
import { api } from "../api/client";
import { ErrorBox, Field, Form, Loading, Notice } from "../components/ui";
import { can } from "../generated/roles";
import { useFetch } from "../hooks";
import { useI18n } from "../i18n";
import { useRole } from "../session";
import type { AttributionSettings } from "./types";
import { AttributionSettingsInputBounds } from "../generated/api";

export function Retention() {
  const { t } = useI18n();
  const writable = can(useRole(), "attribution.manage");
  const settings = useFetch<AttributionSettings>("/api/attribution/settings");
  const [months, setMonths] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  if (settings.error) return <ErrorBox error={settings.error} />;
  if (!settings.data) return <Loading />;
  const current = String(settings.data.event_retention_months);
  return (
    <section aria-labelledby="retention-title">
      <h2 className="section" id="retention-title">
        {t("attribution.retention.title")}
      </h2>
      {writable ? (
        <Form
          submitLabel={t("common.save")}
          onSubmit={async () => {
            setSaved(false);
            const body: AttributionSettings = { event_retention_months: Number(months ?? current) };
            await api.put<AttributionSettings>("/api/attribution/settings", body);
            await settings.reload();
            setMonths(null);
            setSaved(true);
          }}
        >
          <Field
            label={t("attribution.retention.months")}
            name="event_retention_months"
            type="number"
            min={AttributionSettingsInputBounds.event_retention_months.min}
            max={AttributionSettingsInputBounds.event_retention_months.max}
            required
            hint={t("attribution.retention.hint")}
            value={months ?? current}
            onChange={(e) => setMonths(e.target.value)}
          />
        </Form>
      ) : (
        <p>{t("attribution.retention.readOnly", { months: current })}</p>
      )}
      {saved && <Notice>{t("common.saved")}</Notice>}
    </section>
  );
}
