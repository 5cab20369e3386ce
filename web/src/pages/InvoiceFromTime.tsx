// `/invoices/from-time`: a draft invoice from a client's approved, billable, not yet invoiced
// time, in steps: the client → its projects and the period → a preview of the lines and the
// entries they bill (and any capped budget it would exceed) → the draft, opened on its invoice
// page where it can be checked and issued.
import { useState } from "react";
import { api } from "../api/client";
import type { FromTimePreview, Invoice, Project } from "../generated/api";
import { useAll } from "../hooks";
import { formatDate, useI18n } from "../i18n";
import { formatMoney, formatQuantity, quantityToMilli } from "../money";
import { Link, navigate } from "../router";
import { Table } from "../components/List";
import { AccountPicker } from "../components/Picker";
import { ErrorBox, Field, Loading, PageTitle, Select } from "../components/ui";
import { formatMinutes } from "../time/duration";

type Step = 1 | 2 | 3;

export function InvoiceFromTime() {
  const { t, locale } = useI18n();
  const [step, setStep] = useState<Step>(1);
  const [account, setAccount] = useState("");
  const [accountName, setAccountName] = useState("");
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [grouping, setGrouping] = useState<"project_service_rate" | "entry">("project_service_rate");
  const [preview, setPreview] = useState<FromTimePreview | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const projects = useAll<Project>(account ? `/api/projects?account_id=${encodeURIComponent(account)}` : null);
  const billable = (projects.data ?? []).filter((p) => p.billing_type !== "non_billable");

  const body = () => ({
    account_id: account,
    project_ids: [...chosen],
    from: from || null,
    to: to || null,
    grouping,
  });

  const run = async (work: () => Promise<void>) => {
    setError(null);
    setBusy(true);
    try {
      await work();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const showPreview = () =>
    run(async () => {
      setPreview(await api.post<FromTimePreview>("/api/invoices/from-time/preview", body()));
      setStep(3);
    });

  const create = () =>
    run(async () => {
      const invoice = await api.post<Invoice>("/api/invoices/from-time", body());
      navigate(`/invoices/${invoice.id}`);
    });

  const projectName = (id: string) => projects.data?.find((p) => p.id === id)?.name ?? "";

  return (
    <section className="from-time">
      <p className="no-print">
        <Link to="/invoices">← {t("invoices.title")}</Link>
      </p>
      <PageTitle>{t("fromTime.title")}</PageTitle>
      <ol className="steps" aria-label={t("fromTime.steps")}>
        {([1, 2, 3] as const).map((s) => (
          <li key={s} aria-current={step === s ? "step" : undefined} className={step === s ? "current" : ""}>
            {t(`fromTime.step${s}`)}
          </li>
        ))}
      </ol>
      <ErrorBox error={error} />
      {step === 1 && (
        <form
          className="panel"
          onSubmit={(e) => {
            e.preventDefault();
            if (account) setStep(2);
          }}
        >
          <h2>{t("fromTime.step1")}</h2>
          <AccountPicker
            value={account}
            onChange={(id, a) => {
              setAccount(id);
              setAccountName(a?.name ?? "");
              setChosen(new Set());
            }}
          />
          <div className="buttons">
            <button type="submit" className="primary" disabled={!account}>
              {t("fromTime.next")}
            </button>
          </div>
        </form>
      )}
      {step === 2 && (
        <form
          className="panel"
          onSubmit={(e) => {
            e.preventDefault();
            void showPreview();
          }}
        >
          <h2>
            {t("fromTime.step2")} <span className="hint">{accountName}</span>
          </h2>
          {projects.loading && <Loading />}
          {projects.data && billable.length === 0 && <p>{t("fromTime.noProjects")}</p>}
          <fieldset>
            <legend>{t("fromTime.projects")}</legend>
            <p className="hint">{t("fromTime.projectsHint")}</p>
            {billable.map((p) => (
              <label key={p.id} className="checkbox block">
                <input
                  type="checkbox"
                  checked={chosen.has(p.id)}
                  onChange={(e) =>
                    setChosen((old) => {
                      const next = new Set(old);
                      if (e.target.checked) next.add(p.id);
                      else next.delete(p.id);
                      return next;
                    })
                  }
                />{" "}
                {p.name} <span className="hint">({t(`project.billing.${p.billing_type}`)})</span>
              </label>
            ))}
          </fieldset>
          <div className="row">
            <Field label={t("fromTime.from")} name="from" type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
            <Field label={t("fromTime.to")} name="to" type="date" value={to} onChange={(e) => setTo(e.target.value)} />
            <Select label={t("fromTime.grouping")} name="grouping" value={grouping} onChange={(e) => setGrouping(e.target.value as typeof grouping)}>
              <option value="project_service_rate">{t("fromTime.groupByService")}</option>
              <option value="entry">{t("fromTime.groupByEntry")}</option>
            </Select>
          </div>
          <div className="buttons">
            <button type="button" onClick={() => setStep(1)}>
              {t("fromTime.back")}
            </button>
            <button type="submit" className="primary" disabled={busy}>
              {t("fromTime.preview")}
            </button>
          </div>
        </form>
      )}
      {step === 3 && preview && (
        <div className="panel">
          <h2>
            {t("fromTime.step3")} <span className="hint">{accountName}</span>
          </h2>
          {preview.cap_exceeded.length > 0 && (
            <div className="error" role="alert" data-testid="cap-exceeded">
              <p>{t("fromTime.capExceeded")}</p>
              <ul>
                {preview.cap_exceeded.map((c) => (
                  <li key={`${c.project_id}-${c.period}`}>
                    {t("fromTime.capLine", {
                      project: c.project_name,
                      period: c.period === "total" ? t("budget.total") : c.period,
                      asked: formatMoney(c.asked_cents, preview.currency, locale),
                      left: formatMoney(c.left_cents, preview.currency, locale),
                    })}
                  </li>
                ))}
              </ul>
            </div>
          )}
          {preview.lines.length === 0 ? (
            <p>{t("fromTime.nothing")}</p>
          ) : (
            <>
              <h3>{t("fromTime.lines")}</h3>
              <div className="stack-on-phone">
                <Table
                  label={t("fromTime.lines")}
                  rows={preview.lines.map((l, i) => ({ ...l, i }))}
                  rowKey={(l) => String(l.i)}
                  columns={[
                    { header: t("fromTime.description"), cell: (l) => l.description },
                    { header: t("fromTime.hours"), className: "num", cell: (l) => formatQuantity(quantityToMilli(l.quantity), locale) },
                    { header: t("fromTime.rate"), className: "num", cell: (l) => formatMoney(l.unit_cents, preview.currency, locale) },
                    { header: t("fromTime.net"), className: "num", cell: (l) => formatMoney(l.net_cents, preview.currency, locale) },
                    { header: t("fromTime.vat"), className: "num", cell: (l) => formatMoney(l.vat_cents, preview.currency, locale) },
                  ]}
                />
              </div>
              <dl className="totals" data-testid="preview-totals">
                <dt>{t("fromTime.subtotal")}</dt>
                <dd>{formatMoney(preview.subtotal_cents, preview.currency, locale)}</dd>
                <dt>{t("fromTime.vat")}</dt>
                <dd>{formatMoney(preview.vat_cents, preview.currency, locale)}</dd>
                <dt>{t("fromTime.total")}</dt>
                <dd>
                  <strong>{formatMoney(preview.total_cents, preview.currency, locale)}</strong>
                </dd>
              </dl>
              <details>
                <summary>{t("fromTime.entries", { count: preview.entries.length })}</summary>
                <div className="stack-on-phone">
                  <Table
                    label={t("fromTime.entriesLabel")}
                    rows={preview.entries}
                    rowKey={(e) => e.id}
                    columns={[
                      { header: t("time.date"), cell: (e) => formatDate(e.work_date, locale) },
                      { header: t("time.person"), cell: (e) => e.person_name ?? t("crm.someone") },
                      { header: t("time.project"), cell: (e) => e.project_name || projectName(e.project_id) },
                      { header: t("time.description"), cell: (e) => [e.task_title, e.service_name, e.description].filter(Boolean).join(" · ") },
                      { header: t("time.minutes"), className: "num", cell: (e) => formatMinutes(e.minutes) },
                      { header: t("time.billableMinutes"), className: "num", cell: (e) => formatMinutes(e.billable_minutes) },
                    ]}
                  />
                </div>
              </details>
            </>
          )}
          <div className="buttons">
            <button type="button" onClick={() => setStep(2)}>
              {t("fromTime.back")}
            </button>
            <button type="button" className="primary" disabled={busy || preview.lines.length === 0 || preview.cap_exceeded.length > 0} onClick={() => void create()}>
              {t("fromTime.create")}
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
