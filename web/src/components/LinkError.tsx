// The error on a page opened from a mailed link: a link that no longer works says so and what to
// do next, any other problem shows as usual.
import { linkUnusable } from "../auth";
import { useI18n } from "../i18n";
import { Link } from "../router";
import { ErrorBox } from "./ui";

const NEXT = {
  verify: { text: "link.verifyUnusable", to: "/signup", action: "auth.signup" },
  invite: { text: "link.inviteUnusable", to: "/login", action: "auth.login" },
  reset: { text: "link.resetUnusable", to: "/forgot-password", action: "reset.again" },
} as const;

export function LinkError({ error, kind }: { error: unknown; kind: keyof typeof NEXT }) {
  const { t } = useI18n();
  if (!linkUnusable(error)) return <ErrorBox error={error} />;
  const next = NEXT[kind];
  return (
    <div className="error" role="alert">
      <p>{t(next.text)}</p>
      <p>
        <Link to={next.to}>{t(next.action)}</Link>
      </p>
    </div>
  );
}

/** For a page opened without its `?token=`. */
export function MissingToken() {
  const { t } = useI18n();
  return (
    <p className="error" role="alert">
      {t("link.missing")}
    </p>
  );
}
