// Files shared between the agency and the client: list, download, upload.
import { useRef, useState } from "react";
import { query } from "../../api/client";
import { useAction } from "../../hooks";
import { formatDate, useI18n } from "../../i18n";
import { Table } from "../../components/List";
import { ErrorBox, Loading, Notice, PageTitle } from "../../components/ui";
import { portalApi, portalDownload } from "../client";
import { formatSize } from "../format";
import { usePortal, usePortalFetch } from "../hooks";
import { itemsOf, type ListOf, type PortalFile } from "../types";

export function PortalFiles() {
  const { t, locale } = useI18n();
  const { readOnly } = usePortal();
  const list = usePortalFetch<ListOf<PortalFile>>("/api/portal/files");
  const rows = itemsOf(list.data);
  const [error, setError] = useState<unknown>(null);
  return (
    <section>
      <PageTitle>{t("portal.nav.files")}</PageTitle>
      {!readOnly && <Upload onDone={() => void list.reload()} />}
      <ErrorBox error={list.error ?? error} />
      {list.loading && !list.data ? (
        <Loading />
      ) : rows.length === 0 ? (
        <p>{t("portal.noFiles")}</p>
      ) : (
        <Table
          label={t("portal.nav.files")}
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
                  onClick={() => {
                    setError(null);
                    portalDownload(`/api/portal/files/${encodeURIComponent(f.id)}`, f.name).catch(setError);
                  }}
                >
                  {f.name}
                </button>
              ),
            },
            { header: t("portal.size"), className: "num", cell: (f) => formatSize(f.size_bytes) },
            { header: t("portal.added"), cell: (f) => formatDate(f.created_at, locale) },
          ]}
        />
      )}
    </section>
  );
}

function Upload({ onDone }: { onDone: () => void }) {
  const { t } = useI18n();
  const input = useRef<HTMLInputElement>(null);
  const action = useAction();
  const [done, setDone] = useState<string | null>(null);
  const upload = () =>
    action.run(async () => {
      setDone(null);
      const file = input.current?.files?.[0];
      if (!file) return;
      await portalApi.upload(`/api/portal/files${query({ name: file.name })}`, file);
      if (input.current) input.current.value = "";
      setDone(file.name);
      onDone();
    });
  return (
    <form
      className="panel inline-upload"
      onSubmit={(e) => {
        e.preventDefault();
        void upload();
      }}
    >
      <div className="field">
        <label htmlFor="portal-upload">{t("portal.chooseFile")}</label>
        <input id="portal-upload" ref={input} type="file" required />
      </div>
      <ErrorBox error={action.error} />
      {done && <Notice>{t("portal.uploaded", { name: done })}</Notice>}
      <button type="submit" className="primary" disabled={action.busy}>
        {t("portal.upload")}
      </button>
    </form>
  );
}
