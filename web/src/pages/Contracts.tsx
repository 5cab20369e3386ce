import { useState } from "react";
import { api } from "../api/client";
import type { Contract } from "../api/types";
import { can } from "../generated/roles";
import { usePaged } from "../hooks";
import { formatDate, useI18n } from "../i18n";
import { Link } from "../router";
import { useRole } from "../session";
import { Field, Form, Notice, PageTitle, TextArea } from "../components/ui";
import { PagedList } from "../components/List";
import { SendForm } from "../components/ContractSigning";

export function Contracts() {
  const { t, locale } = useI18n();
  const writable = can(useRole(), "contracts.write");
  const list = usePaged<Contract>("/api/contracts");
  const [creating, setCreating] = useState(false);
  const [sending, setSending] = useState<string | null>(null);
  const [sent, setSent] = useState<string | null>(null);
  const replace = (c: Contract) => list.setItems((items) => [c, ...items.filter((x) => x.id !== c.id)]);

  return (
    <section>
      <PageTitle
        actions={
          writable && (
            <button type="button" className="primary" onClick={() => setCreating(true)}>
              {t("contracts.new")}
            </button>
          )
        }
      >
        {t("contracts.title")}
      </PageTitle>
      {creating && (
        <ContractForm
          onSaved={(c) => {
            replace(c);
            setCreating(false);
          }}
          onCancel={() => setCreating(false)}
        />
      )}
      {sent && <Notice>{t("signing.sentNotice")}</Notice>}
      <PagedList list={list} search>
        <ul className="stack">
          {list.items.map((c) => (
            <li key={c.id} className="panel">
              <h2>
                <Link to={`/contracts/${encodeURIComponent(c.id)}`}>{c.title}</Link>
              </h2>
              <p className={`badge ${c.status}`}>{t(`contracts.status.${c.status}`)}</p>
              <p className="body">{c.body}</p>
              {c.signature ? (
                <p>
                  {t(c.signature.method === "paper" ? "contracts.signedOnPaper" : "contracts.signedBy", {
                    name: c.signature.signer_name,
                    date: formatDate(c.signature.signed_at, locale),
                  })}
                </p>
              ) : (
                c.signed_by && <p>{t("contracts.signedBy", { name: c.signed_by.name, date: formatDate(c.signed_at, locale) })}</p>
              )}
              {writable && c.status === "draft" && sending !== c.id && (
                <button type="button" onClick={() => setSending(c.id)} aria-label={t("contracts.sendLabel", { title: c.title })}>
                  {t("contracts.send")}
                </button>
              )}
              {writable && c.status === "draft" && sending === c.id && (
                <SendForm
                  contract={c}
                  path="send"
                  submitLabel={t("signing.send")}
                  onSent={(answer) => {
                    setSending(null);
                    setSent(c.title);
                    const updated = answer as Contract | undefined;
                    replace(updated && updated.id === c.id ? updated : { ...c, status: "sent" });
                  }}
                  onCancel={() => setSending(null)}
                />
              )}
              {c.status === "sent" && (
                <Link to={`/contracts/${encodeURIComponent(c.id)}`}>{t("signing.links")}</Link>
              )}
            </li>
          ))}
        </ul>
      </PagedList>
    </section>
  );
}

function ContractForm({ onSaved, onCancel }: { onSaved: (c: Contract) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const [title, setTitle] = useState("");
  const [body, setBody] = useState("");
  return (
    <Form
      onSubmit={async () => onSaved(await api.post<Contract>("/api/contracts", { title, body }))}
      submitLabel={t("common.create")}
      onCancel={onCancel}
    >
      <Field label={t("common.title")} name="title" required value={title} onChange={(e) => setTitle(e.target.value)} />
      <TextArea label={t("contracts.body")} name="body" rows={6} value={body} onChange={(e) => setBody(e.target.value)} />
    </Form>
  );
}
