// Creating or editing a project. The billing type decides which amounts are asked for (an hourly
// rate for time and materials and retainers, a price for fixed price, a monthly amount for a
// retainer, none for non-billable work); budgets in hours and money, for the whole project or
// per month, optionally capped. Amounts are read by money.ts, hours by the duration parser.
import { useState } from "react";
import { api } from "../api/client";
import type { BillingType, BudgetPeriod, Project, ProjectStatus } from "../generated/api";
import { useI18n } from "../i18n";
import { AccountPicker } from "./Picker";
import { centsBody, centsInput, minutesBody, minutesInput } from "./TimeParts";
import { Field, Form, Select, TextArea } from "./ui";

export const PROJECT_STATUSES: readonly ProjectStatus[] = ["planned", "active", "on_hold", "done", "cancelled"];
export const BILLING_TYPES: readonly BillingType[] = ["time_and_materials", "fixed_price", "retainer", "non_billable"];
export const ROUNDINGS = [1, 5, 6, 10, 15, 30, 60] as const;

/** Which amounts a billing type asks for. */
export function amountsFor(type: BillingType): { rate: boolean; fixed: boolean; retainer: boolean } {
  return {
    rate: type !== "non_billable",
    fixed: type === "fixed_price",
    retainer: type === "retainer",
  };
}

interface Draft {
  name: string;
  account_id: string;
  status: ProjectStatus;
  billing_type: BillingType;
  currency: string;
  hourly_rate: string;
  fixed_price: string;
  retainer: string;
  budget_hours: string;
  budget_money: string;
  budget_period: BudgetPeriod;
  budget_cap: boolean;
  rounding_minutes: number;
  start_date: string;
  end_date: string;
  description: string;
}

export function ProjectForm({ project, accountId, onSaved, onCancel }: { project?: Project; accountId?: string; onSaved: (p: Project) => void; onCancel: () => void }) {
  const { t, locale } = useI18n();
  const [d, setD] = useState<Draft>(() => ({
    name: project?.name ?? "",
    account_id: project?.account_id ?? accountId ?? "",
    status: project?.status ?? "planned",
    billing_type: project?.billing_type ?? "time_and_materials",
    currency: project?.currency ?? "EUR",
    hourly_rate: centsInput(project?.hourly_rate_cents, locale),
    fixed_price: centsInput(project?.fixed_price_cents, locale),
    retainer: centsInput(project?.retainer_cents, locale),
    budget_hours: minutesInput(project?.budget_minutes),
    budget_money: centsInput(project?.budget_cents, locale),
    budget_period: project?.budget_period ?? "total",
    budget_cap: project?.budget_cap ?? false,
    rounding_minutes: project?.rounding_minutes ?? 1,
    start_date: project?.start_date ?? "",
    end_date: project?.end_date ?? "",
    description: project?.description ?? "",
  }));
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setD((old) => ({ ...old, [key]: value }));
  const shows = amountsFor(d.billing_type);

  const submit = async () => {
    const body = {
      name: d.name,
      account_id: d.account_id || null,
      status: d.status,
      billing_type: d.billing_type,
      currency: d.currency.trim().toUpperCase() || null,
      hourly_rate_cents: shows.rate ? centsBody("hourly_rate_cents", d.hourly_rate, locale) : null,
      fixed_price_cents: shows.fixed ? centsBody("fixed_price_cents", d.fixed_price, locale) : null,
      retainer_cents: shows.retainer ? centsBody("retainer_cents", d.retainer, locale) : null,
      budget_minutes: minutesBody("budget_minutes", d.budget_hours),
      budget_cents: centsBody("budget_cents", d.budget_money, locale),
      budget_period: d.budget_period,
      budget_cap: d.budget_cap,
      rounding_minutes: d.rounding_minutes,
      start_date: d.start_date || null,
      end_date: d.end_date || null,
      description: d.description.trim() || null,
    };
    const saved = project ? await api.patch<Project>(`/api/projects/${project.id}`, body) : await api.post<Project>("/api/projects", body);
    onSaved(saved);
  };

  return (
    <Form onSubmit={submit} submitLabel={project ? t("common.save") : t("project.create")} onCancel={onCancel}>
      <h2>{project ? t("project.edit") : t("project.new")}</h2>
      <div className="form-grid">
        <Field label={t("common.name")} name="name" required maxLength={200} value={d.name} onChange={(e) => set("name", e.target.value)} />
        <AccountPicker value={d.account_id} onChange={(id) => set("account_id", id)} />
        <Select label={t("common.status")} name="status" value={d.status} onChange={(e) => set("status", e.target.value as ProjectStatus)}>
          {PROJECT_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`project.status.${s}`)}
            </option>
          ))}
        </Select>
        <Select label={t("project.billingType")} name="billing_type" value={d.billing_type} onChange={(e) => set("billing_type", e.target.value as BillingType)}>
          {BILLING_TYPES.map((b) => (
            <option key={b} value={b}>
              {t(`project.billing.${b}`)}
            </option>
          ))}
        </Select>
        <Field label={t("project.currency")} name="currency" maxLength={3} value={d.currency} onChange={(e) => set("currency", e.target.value)} />
        {shows.rate && (
          <Field label={t("project.hourlyRate")} name="hourly_rate_cents" inputMode="decimal" hint={t("project.hourlyRateHint")} value={d.hourly_rate} onChange={(e) => set("hourly_rate", e.target.value)} />
        )}
        {shows.fixed && (
          <Field label={t("project.fixedPrice")} name="fixed_price_cents" inputMode="decimal" value={d.fixed_price} onChange={(e) => set("fixed_price", e.target.value)} />
        )}
        {shows.retainer && (
          <Field label={t("project.retainer")} name="retainer_cents" inputMode="decimal" value={d.retainer} onChange={(e) => set("retainer", e.target.value)} />
        )}
        <Select label={t("project.rounding")} name="rounding_minutes" hint={t("project.roundingHint")} value={String(d.rounding_minutes)} onChange={(e) => set("rounding_minutes", Number(e.target.value))}>
          {ROUNDINGS.map((r) => (
            <option key={r} value={r}>
              {t("project.roundingMinutes", { minutes: r })}
            </option>
          ))}
        </Select>
        <Field label={t("project.budgetHours")} name="budget_minutes" hint={t("project.budgetHoursHint")} value={d.budget_hours} onChange={(e) => set("budget_hours", e.target.value)} />
        <Field label={t("project.budgetMoney")} name="budget_cents" inputMode="decimal" value={d.budget_money} onChange={(e) => set("budget_money", e.target.value)} />
        <Select label={t("project.budgetPeriod")} name="budget_period" value={d.budget_period} onChange={(e) => set("budget_period", e.target.value as BudgetPeriod)}>
          <option value="total">{t("project.period.total")}</option>
          <option value="monthly">{t("project.period.monthly")}</option>
        </Select>
        <div className="field checkbox">
          <label>
            <input type="checkbox" name="budget_cap" checked={d.budget_cap} onChange={(e) => set("budget_cap", e.target.checked)} /> {t("project.cap")}
          </label>
          <small className="hint">{t("project.capHint")}</small>
        </div>
        <Field label={t("project.start")} name="start_date" type="date" value={d.start_date} onChange={(e) => set("start_date", e.target.value)} />
        <Field label={t("project.end")} name="end_date" type="date" value={d.end_date} onChange={(e) => set("end_date", e.target.value)} />
      </div>
      <TextArea label={t("project.description")} name="description" value={d.description} onChange={(e) => set("description", e.target.value)} />
    </Form>
  );
}
