import { useState } from "react";
import { api } from "../api/client";
import type { Contract } from "../api/types";
import { can } from "../generated/roles";
import { usePaged } from "../hooks";
import { formatDate, useI18n } from "../i18n";
import { useRole } from "../session";
import { ErrorBox, Field, Form, PageTitle, TextArea } from "../components/ui";
import { PagedList } from "../components/List";

export function Contracts() {
  const { t, locale } = useI18n();
  const writable = can(useRole(), "contracts.write");
  const list = usePaged<Contract>("/api/contracts");
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const replace = (c: Contract) => list.setItems((items) => [c, ...items.filter((x) => x.id !== c.id)]);

  const send = async (c: Contract) => {
    setError(null);
    try {
      replace(await api.post<Contract>(`/api/contracts/${c.id}/send`));
    } catch (e) {
      setError(e);
    }
  };

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
      <ErrorBox error={error} />
      <PagedList list={list} search>
        <ul className="stack">
          {list.items.map((c) => (
            <li key={c.id} className="panel">
              <h2>{c.title}</h2>
              <p className={`badge ${c.status}`}>{t(`contracts.status.${c.status}`)}</p>
              <p className="body">{c.body}</p>
              {c.signed_by && <p>{t("contracts.signedBy", { name: c.signed_by.name, date: formatDate(c.signed_at, locale) })}</p>}
              {writable && c.status === "draft" && (
                <button type="button" onClick={() => void send(c)} aria-label={t("contracts.sendLabel", { title: c.title })}>
                  {t("contracts.send")}
                </button>
              )}
              {writable && c.status === "sent" && <SignForm contract={c} onSigned={replace} />}
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

function SignForm({ contract, onSigned }: { contract: Contract; onSigned: (c: Contract) => void }) {
  const { t } = useI18n();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  return (
    <Form
      className="inline"
      onSubmit={async () =>
        onSigned(await api.post<Contract>(`/api/contracts/${contract.id}/sign`, { signer_name: name, signer_email: email }))
      }
      submitLabel={t("contracts.sign")}
    >
      <Field label={t("contracts.signerName")} name="signer_name" required value={name} onChange={(e) => setName(e.target.value)} />
      <Field label={t("contracts.signerEmail")} name="signer_email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
    </Form>
  );
}
