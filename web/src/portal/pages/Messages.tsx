// Conversations with the agency: the threads, one thread's messages and a reply.
import { useState } from "react";
import { formatDate, useI18n } from "../../i18n";
import { Link } from "../../router";
import { Table } from "../../components/List";
import { ErrorBox, Form, Loading, PageTitle, TextArea } from "../../components/ui";
import { portalApi } from "../client";
import { usePortal, usePortalFetch } from "../hooks";
import { itemsOf, type ListOf, type Message, type Thread } from "../types";

export function PortalThreads() {
  const { t, locale } = useI18n();
  const list = usePortalFetch<ListOf<Thread>>("/api/portal/threads");
  const rows = itemsOf(list.data);
  return (
    <section>
      <PageTitle>{t("portal.nav.messages")}</PageTitle>
      <ErrorBox error={list.error} />
      {list.loading && !list.data ? (
        <Loading />
      ) : rows.length === 0 ? (
        <p>{t("portal.noThreads")}</p>
      ) : (
        <Table
          label={t("portal.nav.messages")}
          rows={rows}
          rowKey={(th) => th.id}
          columns={[
            { header: t("portal.subject"), cell: (th) => <Link to={`/portal/messages/${encodeURIComponent(th.id)}`}>{th.subject}</Link> },
            { header: t("portal.lastMessage"), cell: (th) => formatDate(th.last_message_at, locale, true) },
          ]}
        />
      )}
    </section>
  );
}

export function PortalThread({ id }: { id: string }) {
  const { t } = useI18n();
  const { readOnly } = usePortal();
  const path = `/api/portal/threads/${encodeURIComponent(id)}/messages`;
  const messages = usePortalFetch<ListOf<Message>>(path);
  const threads = usePortalFetch<ListOf<Thread>>("/api/portal/threads");
  const thread = itemsOf(threads.data).find((th) => th.id === id);
  const [body, setBody] = useState("");
  return (
    <section>
      <p className="crumbs">
        <Link to="/portal/messages">{t("portal.nav.messages")}</Link>
      </p>
      <PageTitle>{thread?.subject ?? t("portal.thread")}</PageTitle>
      <ErrorBox error={messages.error} />
      {messages.loading && !messages.data && <Loading />}
      <MessageList messages={itemsOf(messages.data)} />
      {!readOnly && messages.data && (
        <Form
          onSubmit={async () => {
            await portalApi.post(path, { body });
            setBody("");
            await messages.reload();
          }}
          submitLabel={t("portal.send")}
        >
          <TextArea label={t("portal.reply")} name="body" rows={4} required value={body} onChange={(e) => setBody(e.target.value)} />
        </Form>
      )}
    </section>
  );
}

/** Whether the client (a portal user) wrote a message, in the portal's and the staff's answers alike. */
function fromClient(m: Message): boolean {
  if (m.from_agency !== undefined) return !m.from_agency;
  if (m.portal_author_id !== undefined) return m.portal_author_id !== null;
  return m.author_kind === "portal" || m.author_kind === "portal_user";
}

/** Messages oldest first, each with its author and time; internal notes marked as such. */
export function MessageList({ messages }: { messages: Message[] }) {
  const { t, locale } = useI18n();
  if (messages.length === 0) return <p>{t("portal.noMessages")}</p>;
  const sorted = [...messages].sort((a, b) => a.created_at.localeCompare(b.created_at));
  return (
    <ol className="messages" aria-label={t("portal.messagesLabel")}>
      {sorted.map((m) => (
        <li key={m.id} className={`message${m.internal ? " internal" : ""}${fromClient(m) ? " theirs" : ""}`}>
          <p className="hint">
            <strong>{m.author_name ?? ""}</strong>{" "}
            {formatDate(m.created_at, locale, true)}
            {m.internal && <span className="badge internal-badge">{t("portal.internalNote")}</span>}
          </p>
          <p className="body">{m.body}</p>
        </li>
      ))}
    </ol>
  );
}
