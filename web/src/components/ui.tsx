// Small building blocks shared by the pages: errors, loading, forms and their labelled fields.
// A field inside a `Form` shows the server's problem with it (in the person's language) under
// itself; the form's error box lists only the problems no field of the form shows.
import {
  createContext,
  useContext,
  useEffect,
  useId,
  useMemo,
  useRef,
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
} from "react";
import { ApiError } from "../api/client";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "../generated/contract";
import { useAction } from "../hooks";
import { errorMessage, problemMessage, useI18n, type Translate } from "../i18n";
import type { Locale } from "../i18n";

interface FormState {
  error: unknown;
  /** The fields of the form by server name (`lines[0].quantity`), with their labels. */
  labels: Map<string, string>;
}

const FormContext = createContext<FormState | null>(null);

/** Each field's problem of an error, worded in the locale: from `problems`, else `fields`. */
export function fieldProblems(error: unknown, t: Translate, locale: Locale): [string, string][] {
  if (!(error instanceof ApiError)) return [];
  const names = [...new Set([...Object.keys(error.problems), ...Object.keys(error.fields)])];
  return names.map((name) => {
    const problem = error.problems[name];
    return [name, problem ? problemMessage(problem, t, locale) : (error.fields[name] ?? "")];
  });
}

export function ErrorBox({ error }: { error: unknown }) {
  const { t, locale } = useI18n();
  const form = useContext(FormContext);
  if (!error) return null;
  const shownByField = (name: string) => form !== null && form.error === error && form.labels.has(name);
  const fields = fieldProblems(error, t, locale).filter(([name]) => !shownByField(name));
  return (
    <div className="error" role="alert">
      <p>{errorMessage(error, t)}</p>
      {fields.length > 0 && (
        <ul>
          {fields.map(([name, problem]) => (
            <li key={name}>
              <strong>{name}</strong>: {problem}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/**
 * The problem the form's error names for field `name` (worded in the locale), if any. Registers
 * the field with its form, so the form's error box leaves that problem to the field.
 */
function useFieldProblem(name: string | undefined, label: string): string | null {
  const { t, locale } = useI18n();
  const form = useContext(FormContext);
  if (form && name) form.labels.set(name, label);
  useEffect(() => {
    if (!form || !name) return;
    form.labels.set(name, label);
    return () => {
      form.labels.delete(name);
    };
  }, [form, name, label]);
  if (!form || !name || !(form.error instanceof ApiError)) return null;
  const problem = form.error.problems[name];
  if (problem) return problemMessage(problem, t, locale);
  return form.error.fields[name] ?? null;
}

/** The attributes tying a control to its hint and problem, and the texts to show below it. */
function useDescribed(name: string | undefined, label: string, hint: string | undefined) {
  const id = useId();
  const problem = useFieldProblem(name, label);
  const describedBy = [hint && `${id}-hint`, problem && `${id}-problem`].filter(Boolean).join(" ") || undefined;
  return {
    id,
    control: { id, name, "aria-invalid": problem ? true : undefined, "aria-describedby": describedBy },
    below: (
      <>
        {hint && (
          <small id={`${id}-hint`} className="hint">
            {hint}
          </small>
        )}
        {problem && (
          <small id={`${id}-problem`} className="field-problem">
            {problem}
          </small>
        )}
      </>
    ),
  };
}

export function Loading() {
  const { t } = useI18n();
  return (
    <p className="loading" role="status" aria-live="polite">
      {t("app.loading")}
    </p>
  );
}

export function Notice({ children }: { children: ReactNode }) {
  return (
    <div className="notice" role="status">
      {children}
    </div>
  );
}

/** `name` is the field's name in the request, to show the server's problem with it. */
type FieldProps = { label: string; hint?: string; name?: string } & InputHTMLAttributes<HTMLInputElement>;

export function Field({ label, hint, name, ...input }: FieldProps) {
  const d = useDescribed(name, label, hint);
  return (
    <div className="field">
      <label htmlFor={d.id}>{label}</label>
      <input {...d.control} {...input} />
      {d.below}
    </div>
  );
}

type TextAreaProps = { label: string; hint?: string; name?: string } & TextareaHTMLAttributes<HTMLTextAreaElement>;

export function TextArea({ label, hint, name, ...area }: TextAreaProps) {
  const d = useDescribed(name, label, hint);
  return (
    <div className="field">
      <label htmlFor={d.id}>{label}</label>
      <textarea {...d.control} {...area} />
      {d.below}
    </div>
  );
}

type SelectProps = { label: string; hint?: string; name?: string; children: ReactNode } & SelectHTMLAttributes<HTMLSelectElement>;

export function Select({ label, hint, name, children, ...select }: SelectProps) {
  const d = useDescribed(name, label, hint);
  return (
    <div className="field">
      <label htmlFor={d.id}>{label}</label>
      <select {...d.control} {...select}>
        {children}
      </select>
      {d.below}
    </div>
  );
}

export { useDescribed };

interface FormProps {
  /** The work of a submission; what it throws is shown (an ApiError's field problems by their fields). */
  onSubmit: () => Promise<void>;
  submitLabel: string;
  /** Shows a Cancel button. */
  onCancel?: () => void;
  /** `panel` (default) or `inline`. */
  className?: string;
  children: ReactNode;
  /** Shown after the error box, above the buttons (a success notice, say). */
  footer?: ReactNode;
}

/**
 * The fields inside show `error`'s problem with them (a `name`d Field, Select, TextArea or
 * picker); an ErrorBox for the same error inside lists only the problems no field showed. For
 * forms with a shape of their own; `Form` brings it along.
 */
export function FieldErrors({ error, children }: { error: unknown; children: ReactNode }) {
  const labels = useRef(new Map<string, string>()).current;
  const state = useMemo(() => ({ error, labels }), [error, labels]);
  return <FormContext.Provider value={state}>{children}</FormContext.Provider>;
}

/** A form: its fields, the error of the last submission, submit (disabled while busy) and cancel. */
export function Form({ onSubmit, submitLabel, onCancel, className = "panel", children, footer }: FormProps) {
  const { t } = useI18n();
  const { busy, error, run } = useAction();
  return (
    <form
      className={className}
      onSubmit={(e) => {
        e.preventDefault();
        void run(onSubmit);
      }}
    >
      <FieldErrors error={error}>
        {children}
        <ErrorBox error={error} />
      </FieldErrors>
      {footer}
      <div className="buttons">
        <button type="submit" className="primary" disabled={busy}>
          {submitLabel}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            {t("common.cancel")}
          </button>
        )}
      </div>
    </form>
  );
}

export function PageTitle({ children, actions }: { children: ReactNode; actions?: ReactNode }) {
  return (
    <div className="page-title">
      <h1 tabIndex={-1}>{children}</h1>
      {actions && <div className="actions buttons">{actions}</div>}
    </div>
  );
}

type NewPasswordProps = { label: string; name: string; value: string; onChange: (value: string) => void };

/** A new password, with the server's own limits (generated) as the field's rule and hint. */
export function NewPasswordField({ label, name, value, onChange }: NewPasswordProps) {
  const { t } = useI18n();
  return (
    <Field
      label={label}
      name={name}
      hint={t("auth.passwordHint", { min: PASSWORD_MIN_LENGTH })}
      type="password"
      required
      minLength={PASSWORD_MIN_LENGTH}
      maxLength={PASSWORD_MAX_LENGTH}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      autoComplete="new-password"
    />
  );
}
