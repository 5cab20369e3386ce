// What the agency shares with one client through the portal, on the client's page: files
// (upload, download, delete), approvals (ask for a file or a note to be approved; withdraw) and
// message threads (start one, read, reply, and internal notes the client never sees).
import { useRef, useState } from "react";
import { api, download, query, requestRaw } from "../../api/client";
import { can } from "../../generated/roles";
import { useAction, useFetch } from "../../hooks";
import { formatDate, useI18n } from "../../i18n";
import { useRole } from "../../session";
import { formatSize } from "../../portal/format";
import { ApprovalStatus } from "../../portal/pages/Approvals";
import { MessageList } from "../../portal/pages/Messages";
import { itemsOf, type Approval, type ListOf, type Message, type PortalFile, type Thread } from "../../portal/types";
import { Table } from "../List";
import { ErrorBox, Field, FieldErrors, Form, Loading, Notice, Select, TextArea } from "../ui";

export function AccountFiles({ accountId }: { accountId: string }) {
  const { t, locale } = useI18n();
  const engage = can(useRole(), "portal.engage");
  const files = useFetch<ListOf<PortalFile>>(`/api/files${query({ account_id: accountId })}`);
  const rows = itemsOf(files.data);
  const input = useRef<HTMLInputElement>(null);
  const action = useAction();
  const [uploaded, setUploaded] = useState<string | null>(null);
  const upload = () =>
    action.run(async () => {
      setUploaded(null);
      const file = input.current?.files?.[0];
      if (!file) return;
      await requestRaw("POST", `/api/files${query({ account_id: accountId, name: file.name })}`, file);
      if (input.current) input.current.value = "";
      setUploaded(file.name);
      await files.reload();
    });
  return (
    <div className="panel">
      <h3>{t("staffPortal.files")}</h3>
      {engage && (
        <form
          className="inline"
          onSubmit={(e) => {
            e.preventDefault();
            void upload();
          }}
        >
          <div className="field">
            <label htmlFor={`files-${accountId}`}>{t("portal.chooseFile")}</label>
            <input id={`files-${accountId}`} ref={input} type="file" required />
          </div>
          <button type="submit" disabled={action.busy}>
            {t("portal.upload")}
          </button>
        </form>
      )}
      {uploaded && <Notice>{t("portal.uploaded", { name: uploaded })}</Notice>}
      <ErrorBox error={files.error ?? action.error} />
      {files.loading && !files.data ? (
        <Loading />
      ) : rows.length === 0 ? (
        <p>{t("portal.noFiles")}</p>
      ) : (
        <Table
          label={t("staffPortal.files")}
          rows={rows}
          rowKey={(f) => f.id}
          columns={[
            {
              header: t("common.name"),
              cell: (f) => (
                <button
                  type="button"
                  className="link"
                  aria-label={t("portal.downloadFile", { name: f.name })}
                  onClick={() => void action.run(() => download(`/api/files/${encodeURIComponent(f.id)}`, f.name))}
                >
                  {f.name}
                </button>
              ),
            },
            { header: t("portal.size"), className: "num", cell: (f) => formatSize(f.size_bytes) },
            { header: t("portal.added"), cell: (f) => formatDate(f.created_at, locale) },
            engage && {
              header: t("common.actions"),
              cell: (f) => (
                <button
                  type="button"
                  className="danger"
                  aria-label={t("staffPortal.deleteFile", { name: f.name })}
                  onClick={() => {
                    if (!window.confirm(t("staffPortal.deleteFileConfirm", { name: f.name }))) return;
                    void action.run(async () => {
                      await api.del(`/api/files/${encodeURIComponent(f.id)}`);
                      await files.reload();
                    });
                  }}
                >
                  {t("common.delete")}
                </button>
              ),
            },
          ]}
        />
      )}
    </div>
  );
}

export function AccountApprovals({ accountId }: { accountId: string }) {
  const { t, locale } = useI18n();
  const engage = can(useRole(), "portal.engage");
  const approvals = useFetch<ListOf<Approval>>(`/api/approvals${query({ account_id: accountId })}`);
  const files = useFetch<ListOf<PortalFile>>(engage ? `/api/files${query({ account_id: accountId })}` : null);
  const rows = itemsOf(approvals.data);
  const [asking, setAsking] = useState(false);
  const action = useAction();
  return (
    <div className="panel">
      <div className="section-title">
        <h3>{t("staffPortal.approvals")}</h3>
        {engage && !asking && (
          <button
            type="button"
            onClick={() => {
              void files.reload();
              setAsking(true);
            }}
          >
            {t("staffPortal.askApproval")}
          </button>
        )}
      </div>
      {asking && (
        <AskForm
          accountId={accountId}
          files={itemsOf(files.data)}
          onDone={() => {
            setAsking(false);
            void approvals.reload();
          }}
          onCancel={() => setAsking(false)}
        />
      )}
      <ErrorBox error={approvals.error ?? action.error} />
      {approvals.loading && !approvals.data ? (
        <Loading />
      ) : rows.length === 0 ? (
        <p>{t("staffPortal.noApprovals")}</p>
      ) : (
        <Table
          label={t("staffPortal.approvals")}
          rows={rows}
          rowKey={(a) => a.id}
          columns={[
            { header: t("common.title"), cell: (a) => a.title },
            { header: t("common.status"), cell: (a) => <ApprovalStatus approval={a} /> },
            {
              header: t("staffPortal.decision"),
              cell: (a) =>
                a.decided_at ? (
                  <span>
                    {[a.decided_by_name, formatDate(a.decided_at, locale, true)].filter(Boolean).join(", ")}
                    {a.decision_comment && (
                      <span className="block">
                        <q>{a.decision_comment}</q>
                      </span>
                    )}
                  </span>
                ) : (
                  t("common.none")
                ),
            },
            engage && {
              header: t("common.actions"),
              cell: (a) =>
                a.status === "pending" && (
                  <button
                    type="button"
                    aria-label={t("staffPortal.withdrawLabel", { title: a.title })}
                    onClick={() =>
                      void action.run(async () => {
                        await api.post(`/api/approvals/${encodeURIComponent(a.id)}/withdraw`);
                        await approvals.reload();
                      })
                    }
                  >
                    {t("staffPortal.withdraw")}
                  </button>
                ),
            },
          ]}
        />
      )}
    </div>
  );
}

function AskForm({ accountId, files, onDone, onCancel }: { accountId: string; files: PortalFile[]; onDone: () => void; onCancel: () => void }) {
  const { t } = useI18n();
  const [title, setTitle] = useState("");
  const [note, setNote] = useState("");
  const [fileId, setFileId] = useState("");
  return (
    <Form
      className="panel"
      onSubmit={async () => {
        await api.post("/api/approvals", { account_id: accountId, title: title.trim(), note: note.trim() || undefined, file_id: fileId || undefined });
        onDone();
      }}
      submitLabel={t("staffPortal.ask")}
      onCancel={onCancel}
    >
      <Field label={t("common.title")} name="title" required value={title} onChange={(e) => setTitle(e.target.value)} />
      <Select label={t("staffPortal.file")} name="file_id" value={fileId} onChange={(e) => setFileId(e.target.value)}>
        <option value="">{t("staffPortal.noFile")}</option>
        {files.map((f) => (
          <option key={f.id} value={f.id}>
            {f.name}
          </option>
        ))}
      </Select>
      <TextArea label={t("staffPortal.note")} name="note" rows={3} value={note} onChange={(e) => setNote(e.target.value)} />
    </Form>
  );
}

export function AccountThreads({ accountId }: { accountId: string }) {
  const { t, locale } = useI18n();
  const engage = can(useRole(), "portal.engage");
  const threads = useFetch<ListOf<Thread>>(`/api/threads${query({ account_id: accountId })}`);
  const rows = itemsOf(threads.data);
  const [open, setOpen] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const [subject, setSubject] = useState("");
  const [body, setBody] = useState("");
  const current = rows.find((th) => th.id === open);
  return (
    <div className="panel">
      <div className="section-title">
        <h3>{t("staffPortal.messages")}</h3>
        {engage && !starting && (
          <button type="button" onClick={() => setStarting(true)}>
            {t("staffPortal.newThread")}
          </button>
        )}
      </div>
      {starting && (
        <Form
          className="panel"
          onSubmit={async () => {
            const thread = await api.post<Thread>("/api/threads", { account_id: accountId, subject: subject.trim(), body: body.trim() || undefined });
            setSubject("");
            setBody("");
            setStarting(false);
            await threads.reload();
            if (thread?.id) setOpen(thread.id);
          }}
          submitLabel={t("staffPortal.startThread")}
          onCancel={() => setStarting(false)}
        >
          <Field label={t("portal.subject")} name="subject" required value={subject} onChange={(e) => setSubject(e.target.value)} />
          <TextArea label={t("staffPortal.firstMessage")} name="body" rows={4} value={body} onChange={(e) => setBody(e.target.value)} />
        </Form>
      )}
      <ErrorBox error={threads.error} />
      {threads.loading && !threads.data ? (
        <Loading />
      ) : rows.length === 0 ? (
        <p>{t("portal.noThreads")}</p>
      ) : (
        <ul className="stack threads">
          {rows.map((th) => (
            <li key={th.id}>
              <button type="button" className="link" aria-expanded={open === th.id} onClick={() => setOpen(open === th.id ? null : th.id)}>
                {th.subject}
              </button>{" "}
              <span className="hint">{formatDate(th.last_message_at, locale, true)}</span>
            </li>
          ))}
        </ul>
      )}
      {current && <StaffThread thread={current} engage={engage} />}
    </div>
  );
}

function StaffThread({ thread, engage }: { thread: Thread; engage: boolean }) {
  const { t } = useI18n();
  const path = `/api/threads/${encodeURIComponent(thread.id)}/messages`;
  const messages = useFetch<ListOf<Message>>(path);
  const [body, setBody] = useState("");
  const [internal, setInternal] = useState(false);
  const action = useAction();
  return (
    <div className="subpanel" aria-label={thread.subject} role="region">
      <h3>{thread.subject}</h3>
      <ErrorBox error={messages.error} />
      {messages.loading && !messages.data ? <Loading /> : <MessageList messages={itemsOf(messages.data)} />}
      {engage && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void action.run(async () => {
              await api.post(path, { body, internal });
              setBody("");
              setInternal(false);
              await messages.reload();
            });
          }}
        >
          <FieldErrors error={action.error}>
            <TextArea label={t("portal.reply")} name="body" rows={3} required value={body} onChange={(e) => setBody(e.target.value)} />
            <label className="check">
              <input type="checkbox" checked={internal} onChange={(e) => setInternal(e.target.checked)} />
              {t("staffPortal.internal")}
            </label>
            <ErrorBox error={action.error} />
          </FieldErrors>
          <div className="buttons spaced">
            <button type="submit" className="primary" disabled={action.busy}>
              {t(internal ? "staffPortal.addNote" : "portal.send")}
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
