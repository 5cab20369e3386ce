// Two-factor set-up and recovery codes, used by the account page and by the set-up a company
// that requires two-factor asks for.
import { useEffect, useState, type FormEvent } from "react";
import { api } from "../api/client";
import type { RecoveryCodes, TwoFactorSetup } from "../api/types";
import { cleanCode, codeProblem, groupSecret, recoveryCodesFile } from "../auth";
import { useAction } from "../hooks";
import { useI18n } from "../i18n";
import { ErrorBox, Field } from "./ui";

/**
 * A refused code or password reads as such (422 `invalid` on `code` or `password`, or 401
 * `invalid_credentials`), not as a generic "some fields are wrong".
 */
export function CodeError({ error }: { error: unknown }) {
  const { t } = useI18n();
  const problem = codeProblem(error);
  if (!problem) return <ErrorBox error={error} />;
  return (
    <p className="error" role="alert">
      {t(PROBLEM[problem])}
    </p>
  );
}

const PROBLEM = { password: "twofa.wrongPassword", code: "twofa.wrongCode", passwordOrCode: "twofa.wrongPasswordOrCode" } as const;

/**
 * A field for a six-digit authenticator code; with `recovery`, a recovery code is taken too (the
 * server accepts either to turn two-factor off or to make new recovery codes).
 */
export function CodeField({ value, onChange, setup, recovery }: { value: string; onChange: (v: string) => void; setup?: boolean; recovery?: boolean }) {
  const { t } = useI18n();
  if (recovery) {
    return (
      <Field
        label={t("twofa.codeOrRecovery")}
        hint={t("twofa.codeOrRecoveryHint")}
        autoComplete="one-time-code"
        autoCapitalize="off"
        spellCheck={false}
        maxLength={40}
        required
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  }
  return (
    <Field
      label={t("twofa.code")}
      hint={t(setup ? "twofa.codeHint" : "twofa.loginCodeHint")}
      inputMode="numeric"
      autoComplete="one-time-code"
      pattern="\s*(\d\s*){6}"
      maxLength={9}
      required
      value={value}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}

/** Set-up in three steps: start, scan and confirm a code, keep the recovery codes. */
export function TwoFactorSetupFlow({
  email,
  onConfirmed,
  onDone,
}: {
  email: string;
  /** Two-factor is on (the recovery codes are being shown). */
  onConfirmed?: () => void;
  onDone: () => void;
}) {
  const { t } = useI18n();
  const [setup, setSetup] = useState<TwoFactorSetup | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [code, setCode] = useState("");
  const [password, setPassword] = useState("");
  const { busy, error, run } = useAction();

  const start = async (e: FormEvent) => {
    e.preventDefault();
    await run(async () => {
      setSetup(await api.post<TwoFactorSetup>("/api/auth/2fa/setup", { password }));
      setPassword("");
    });
  };

  const confirm = async (e: FormEvent) => {
    e.preventDefault();
    const confirmed = await run(async () => {
      const answer = await api.post<RecoveryCodes>("/api/auth/2fa/confirm", { code: cleanCode(code) });
      setCodes(answer.recovery_codes);
      onConfirmed?.();
    });
    if (!confirmed) setCode("");
  };

  if (codes) return <RecoveryCodesView codes={codes} email={email} onDone={onDone} />;
  if (!setup) {
    return (
      <form onSubmit={(e) => void start(e)}>
        <p>{t("twofa.intro")}</p>
        <Field
          label={t("auth.password")}
          hint={t("twofa.passwordHint")}
          type="password"
          required
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <CodeError error={error} />
        <button type="submit" className="primary" disabled={busy}>
          {t("twofa.setUp")}
        </button>
      </form>
    );
  }
  return (
    <div className="twofa-setup">
      <ol className="steps">
        <li>
          <p>{t("twofa.scan")}</p>
          <QrCode text={setup.otpauth_uri} />
          <p>{t("twofa.typeKey")}</p>
          <p>
            <code className="secret" data-testid="totp-secret">
              {groupSecret(setup.secret)}
            </code>
          </p>
          <p>
            <a href={setup.otpauth_uri} data-testid="otpauth-link">
              {t("twofa.openApp")}
            </a>
          </p>
        </li>
        <li>
          <form onSubmit={(e) => void confirm(e)}>
            <CodeField value={code} onChange={setCode} setup />
            <CodeError error={error} />
            <button type="submit" className="primary" disabled={busy}>
              {t("twofa.turnOn")}
            </button>
          </form>
        </li>
      </ol>
    </div>
  );
}

/** The otpauth URI as a QR code image (a data: URL, which the CSP's img-src allows). */
function QrCode({ text }: { text: string }) {
  const { t } = useI18n();
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    // Loaded only here, so the rest of the app does not carry the QR encoder.
    void import("qrcode")
      .then((qr) => qr.toDataURL(text, { margin: 2, width: 208, errorCorrectionLevel: "M" }))
      .then((url) => live && setSrc(url))
      .catch(() => live && setSrc(null));
    return () => {
      live = false;
    };
  }, [text]);
  return src ? <img className="qr" src={src} width={208} height={208} alt={t("twofa.qrAlt")} /> : <div className="qr" aria-hidden="true" />;
}

/** Recovery codes, shown once: copy, download, and say they are kept before going on. */
export function RecoveryCodesView({ codes, email, onDone }: { codes: string[]; email: string; onDone: () => void }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  const text = recoveryCodesFile(codes, email, t("twofa.fileHeading"));
  // Made and revoked by one effect, so React's development double run leaves a live URL.
  const [download, setDownload] = useState<string | undefined>(undefined);
  useEffect(() => {
    const url = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
    setDownload(url);
    return () => URL.revokeObjectURL(url);
  }, [text]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied("yes");
    } catch {
      setCopied("no");
    }
  };

  return (
    <div className="recovery">
      <h3>{t("twofa.codesTitle")}</h3>
      <p>{t("twofa.codesHint")}</p>
      <ul className="codes" data-testid="recovery-codes">
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ul>
      <div className="buttons">
        <button type="button" onClick={() => void copy()}>
          {t("twofa.copy")}
        </button>
        <a className="button" href={download} download="silo-recovery-codes.txt">
          {t("twofa.download")}
        </a>
        <button type="button" className="primary" onClick={onDone}>
          {t("twofa.saved")}
        </button>
      </div>
      {copied && (
        <p role="status" className={copied === "yes" ? "hint" : "error"}>
          {t(copied === "yes" ? "twofa.copied" : "twofa.copyFailed")}
        </p>
      )}
    </div>
  );
}
