// `/attribution/conversions`: the conversions recorded from CRM facts (leads, won deals, issued
// and paid invoices), newest first, filtered by kind, with the campaign each is attributed to.
import { useState } from "react";
import { AttributionTabs } from "../../attribution/Tabs";
import { CONVERSION_KINDS, type Campaign, type Conversion, type ConversionKind } from "../../attribution/types";
import { PagedList, Table } from "../../components/List";
import { PageTitle, Select } from "../../components/ui";
import { usePaged } from "../../hooks";
import { formatDate, useI18n } from "../../i18n";
import { formatMoney } from "../../money";

const campaign = (c: Campaign) => [c.source, c.medium, c.campaign].filter(Boolean).join(" / ");

export function Conversions() {
  const { t, locale } = useI18n();
  const [kind, setKind] = useState<ConversionKind | "">("");
  const list = usePaged<Conversion>("/api/conversions", { params: { kind: kind || undefined } });
  return (
    <section>
      <AttributionTabs />
      <PageTitle>{t("attribution.conversions.title")}</PageTitle>
      <p className="hint">{t("attribution.conversions.intro")}</p>
      <div className="panel row">
        <Select label={t("attribution.conversions.kind")} value={kind} onChange={(e) => setKind(e.target.value as ConversionKind | "")}>
          <option value="">{t("attribution.conversions.allKinds")}</option>
          {CONVERSION_KINDS.map((k) => (
            <option key={k} value={k}>
              {t(`attribution.kind.${k}`)}
            </option>
          ))}
        </Select>
      </div>
      <PagedList list={list} empty={t("attribution.conversions.none")} name={t("attribution.conversions.title")}>
        {list.items.length > 0 && (
          <Table
            label={t("attribution.conversions.title")}
            rows={list.items}
            rowKey={(c) => c.id}
            columns={[
              { header: t("attribution.conversions.when"), cell: (c) => formatDate(c.occurred_at, locale, true) },
              { header: t("attribution.conversions.kind"), cell: (c) => t(`attribution.kind.${c.kind}`) },
              { header: t("attribution.conversions.order"), cell: (c) => <span className="mono">{c.order_id}</span> },
              {
                header: t("attribution.conversions.value"),
                className: "num",
                cell: (c) => (c.value_cents !== null && c.currency ? formatMoney(c.value_cents, c.currency, locale) : t("common.none")),
              },
              { header: t("attribution.conversions.attribution"), cell: (c) => t(`attribution.attribution.${c.attribution}`) },
              { header: t("attribution.conversions.first"), cell: (c) => campaign(c.first) },
              { header: t("attribution.conversions.last"), cell: (c) => campaign(c.last) },
            ]}
          />
        )}
      </PagedList>
    </section>
  );
}
