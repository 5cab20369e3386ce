// The time entries an invoice bills (an invoice made from time), under the invoice: who worked
// when on what. A draft's lines follow from that time; deleting the draft releases it. Shown to
// those who may see everyone's time.
import { useState } from "react";
import { download, query } from "../api/client";
import type { TimeEntry } from "../generated/api";
import { can } from "../generated/roles";
import { useAll } from "../hooks";
import { formatDate, useI18n } from "../i18n";
import { useRole } from "../session";
import { formatMinutes } from "../time/duration";
import { Table } from "./List";
import { ErrorBox } from "./ui";

export function InvoiceTime({ invoiceId, draft }: { invoiceId: string; draft: boolean }) {
  const { t, locale } = useI18n();
  const entries = useAll<TimeEntry>(can(useRole(), "time.read_all") ? `/api/time-entries?invoice_id=${encodeURIComponent(invoiceId)}` : null);
  const rows = entries.data ?? [];
  const [error, setError] = useState<unknown>(null);
  if (rows.length === 0) return null;
  // The client's timesheet over the days this invoice bills, to send along with it.
  const dates = rows.map((e) => e.work_date).sort();
  const pdf = () => {
    setError(null);
    const from = dates[0] ?? "";
    const to = dates[dates.length - 1] ?? "";
    download(`/api/accounts/${encodeURIComponent(rows[0]?.account_id ?? "")}/timesheet${query({ from, to })}`, `timesheet-${from}-${to}.pdf`).catch(setError);
  };
  return (
    <section className="no-print invoice-time" aria-labelledby="invoice-time">
      <h2 id="invoice-time" className="section">
        {t("invoiceTime.title", { count: rows.length })}
      </h2>
      {draft && <p className="hint">{t("invoiceTime.draftHint")}</p>}
      <div className="buttons">
        <button type="button" onClick={pdf}>
          {t("invoiceTime.pdf")}
        </button>
      </div>
      <ErrorBox error={error} />
      <div className="stack-on-phone">
        <Table
          label={t("invoiceTime.label")}
          rows={rows}
          rowKey={(e) => e.id}
          columns={[
            { header: t("invoiceTime.line"), className: "num", cell: (e) => e.invoice_line ?? "" },
            { header: t("time.date"), cell: (e) => formatDate(e.work_date, locale) },
            { header: t("time.person"), cell: (e) => e.person_name ?? t("crm.someone") },
            { header: t("time.project"), cell: (e) => e.project_name },
            { header: t("time.description"), cell: (e) => [e.task_title, e.service_name, e.description].filter(Boolean).join(" · ") },
            { header: t("time.minutes"), className: "num", cell: (e) => formatMinutes(e.minutes) },
            { header: t("time.billableMinutes"), className: "num", cell: (e) => formatMinutes(e.billable_minutes) },
          ]}
        />
      </div>
    </section>
  );
}
