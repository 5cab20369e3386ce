// The timesheet's one duration parser, weeks Monday first, the grid's rows and totals, what
// typing into a cell does, the approval queue's groups, budget levels, the project form's
// amounts per billing type, the task board's order, and the time texts in both languages.
import { describe, expect, it } from "vitest";
import type { Task, TimeEntry } from "../src/generated/api";
import { MESSAGES, translator } from "../src/i18n";
import { formatClock, formatMinutes, parseDuration } from "../src/time/duration";
import { addDays, barWidth, buildGrid, cellChange, dayTotals, groupByPersonWeek, isDate, levelOf, mondayOf, weekDays, weekday } from "../src/time/logic";
import { durationMessage, minutesBody } from "../src/components/TimeParts";
import { amountsFor } from "../src/components/ProjectForm";
import { boardOf } from "../src/components/TaskBoard";
import { formatBp, monthRange, peopleOf } from "../src/pages/Utilisation";
import { ApiError } from "../src/api/client";

const minutes = (text: string) => {
  const r = parseDuration(text);
  return r.kind === "minutes" ? r.minutes : r.kind;
};
const problem = (text: string) => {
  const r = parseDuration(text);
  return r.kind === "problem" ? r.problem : `no problem: ${JSON.stringify(r)}`;
};

describe("parseDuration", () => {
  it("reads hours:minutes", () => {
    expect(minutes("1:30")).toBe(90);
    expect(minutes("0:45")).toBe(45);
    expect(minutes(":15")).toBe(15);
    expect(minutes("8:00")).toBe(480);
    expect(minutes(" 2:05 ")).toBe(125);
  });

  it("reads decimal hours with a point or a Dutch comma, rounded to the minute", () => {
    expect(minutes("1.5")).toBe(90);
    expect(minutes("1,5")).toBe(90);
    expect(minutes("0,25")).toBe(15);
    expect(minutes(",5")).toBe(30);
    expect(minutes("2")).toBe(120);
    expect(minutes("0.1")).toBe(6);
    // 1.333 h = 79.98 min -> 80
    expect(minutes("1.333")).toBe(80);
    // 0.0083 h = 0.498 min -> 0; 0.0084 h = 0.504 -> 1
    expect(minutes("0.0083")).toBe(0);
    expect(minutes("0.0084")).toBe(1);
  });

  it("reads minutes and hours with units", () => {
    expect(minutes("90m")).toBe(90);
    expect(minutes("90 min")).toBe(90);
    expect(minutes("45minuten")).toBe(45);
    expect(minutes("1h")).toBe(60);
    expect(minutes("1.5h")).toBe(90);
    expect(minutes("1h30")).toBe(90);
    expect(minutes("1h 30m")).toBe(90);
    expect(minutes("2u15")).toBe(135);
    expect(minutes("3 uur")).toBe(180);
  });

  it("treats nothing as empty and zero as zero", () => {
    expect(parseDuration("")).toEqual({ kind: "empty" });
    expect(parseDuration("   ")).toEqual({ kind: "empty" });
    expect(minutes("0")).toBe(0);
    expect(minutes("0:00")).toBe(0);
  });

  it("refuses bad input with a reason", () => {
    expect(problem("abc")).toBe("not_duration");
    expect(problem("-1")).toBe("not_duration");
    expect(problem("1:2:3")).toBe("not_duration");
    expect(problem("1.2.3")).toBe("not_duration");
    expect(problem("1,5,0")).toBe("not_duration");
    expect(problem(".")).toBe("not_duration");
    expect(problem("m")).toBe("not_duration");
    expect(problem("1:75")).toBe("bad_minutes");
    expect(problem("1h75")).toBe("bad_minutes");
    expect(problem("25")).toBe("too_long");
    expect(problem("24:01")).toBe("too_long");
    expect(problem("1441m")).toBe("too_long");
    expect(minutes("24:00")).toBe(1440);
  });

  it("allows longer durations where asked (budgets)", () => {
    const r = parseDuration("120", Number.MAX_SAFE_INTEGER);
    expect(r).toEqual({ kind: "minutes", minutes: 7200 });
  });

  it("has a message for every problem in both languages", () => {
    for (const locale of ["en", "nl"] as const) {
      const t = translator(locale);
      for (const p of ["not_duration", "bad_minutes", "too_long"] as const) {
        expect(durationMessage(p, t)).not.toMatch(/^problem\./);
      }
    }
    expect(durationMessage("not_duration", translator("nl"))).toContain("1,5");
  });

  it("turns a refused duration into a field problem worded by the app", () => {
    expect(minutesBody("budget_minutes", "")).toBeNull();
    expect(minutesBody("budget_minutes", "40")).toBe(2400);
    try {
      minutesBody("budget_minutes", "veel");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ApiError);
      expect((e as ApiError).problems.budget_minutes?.code).toBe("duration_not_duration");
      expect(Object.keys(MESSAGES.en)).toContain("problem.duration_not_duration");
    }
  });
});

describe("formatting", () => {
  it("shows minutes as h:mm and a running clock", () => {
    expect(formatMinutes(90)).toBe("1:30");
    expect(formatMinutes(5)).toBe("0:05");
    expect(formatMinutes(0)).toBe("0:00");
    expect(formatMinutes(-75)).toBe("-1:15");
    expect(formatClock(3725)).toBe("1:02:05");
    expect(formatClock(-3)).toBe("0:00:00");
  });

  it("shows basis points as percentages", () => {
    expect(formatBp(8125, "en")).toBe("81.3%");
    expect(formatBp(10000, "nl")).toBe("100%");
  });
});

describe("the utilisation report", () => {
  it("reads its people from the report, or a plain list", () => {
    const row = { person_id: "p", name: "Piet", capacity_minutes: 2400, time_off_minutes: 0, available_minutes: 2400, worked_minutes: 600, billable_minutes: 480, billable_utilisation_bp: 8000, target_bp: 8000, attainment_bp: 10000 };
    expect(peopleOf({ from: "2026-11-01", to: "2026-11-30", people: [row], totals: {} })).toEqual([row]);
    expect(peopleOf([row])).toEqual([row]);
    expect(peopleOf(null)).toEqual([]);
  });
});

describe("weeks", () => {
  it("start on Monday", () => {
    expect(weekday("2026-11-30")).toBe(0); // a Monday
    expect(weekday("2026-12-06")).toBe(6);
    expect(mondayOf("2026-12-06")).toBe("2026-11-30");
    expect(mondayOf("2026-11-30")).toBe("2026-11-30");
    expect(weekDays("2026-12-02")).toEqual(["2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04", "2026-12-05", "2026-12-06"]);
  });

  it("cross months, years and daylight saving without drift", () => {
    expect(addDays("2026-12-28", 7)).toBe("2027-01-04");
    expect(addDays("2026-03-23", 7)).toBe("2026-03-30");
    expect(mondayOf("2027-01-01")).toBe("2026-12-28");
  });

  it("know real dates", () => {
    expect(isDate("2026-02-28")).toBe(true);
    expect(isDate("2026-02-30")).toBe(false);
    expect(isDate("30-11-2026")).toBe(false);
    expect(isDate(null)).toBe(false);
  });

  it("give a month's range", () => {
    expect(monthRange("2026-11-15")).toEqual({ from: "2026-11-01", to: "2026-11-30" });
    expect(monthRange("2026-12-03")).toEqual({ from: "2026-12-01", to: "2026-12-31" });
    expect(monthRange("2028-02-10")).toEqual({ from: "2028-02-01", to: "2028-02-29" });
  });
});

let seq = 0;
function entry(over: Partial<TimeEntry>): TimeEntry {
  seq += 1;
  return {
    account_id: "a",
    approved_at: null,
    approved_by: null,
    billable: true,
    billable_minutes: 60,
    cost_rate_cents: null,
    created_at: `2026-11-30T10:00:${String(seq).padStart(2, "0")}Z`,
    description: null,
    id: `e${seq}`,
    invoice_id: null,
    invoice_line: null,
    minutes: 60,
    person_id: "p1",
    person_name: "Piet",
    project_id: "pr1",
    project_name: "Website",
    rate_cents: 10000,
    service_id: null,
    service_name: null,
    status: "draft",
    submitted_at: null,
    task_id: null,
    task_title: null,
    updated_at: "2026-11-30T10:00:00Z",
    work_date: "2026-11-30",
    ...over,
  };
}

describe("the timesheet grid", () => {
  const days = weekDays("2026-11-30");

  it("has a row per project × task × service with day, row and week totals", () => {
    const entries = [
      entry({ minutes: 90 }),
      entry({ minutes: 30, work_date: "2026-12-01" }),
      entry({ minutes: 45, service_id: "s1", service_name: "Design" }),
      entry({ minutes: 60, project_id: "pr0", project_name: "App", work_date: "2026-12-06" }),
      entry({ minutes: 500, work_date: "2026-12-07" }), // next week: left out
    ];
    const rows = buildGrid(days, entries, [{ project_id: "pr2", task_id: null, service_id: null, project_name: "Zoo" }]);
    expect(rows.map((r) => [r.project_name, r.service_name, r.total])).toEqual([
      ["App", null, 60],
      ["Website", null, 120],
      ["Website", "Design", 45],
      ["Zoo", null, 0],
    ]);
    expect(rows[1]?.minutes).toEqual([90, 30, 0, 0, 0, 0, 0]);
    expect(rows[0]?.minutes[6]).toBe(60);
    const totals = dayTotals(rows, 7);
    expect(totals.days).toEqual([135, 30, 0, 0, 0, 0, 60]);
    expect(totals.total).toBe(225);
  });

  it("keeps an added row once only, even when entries fill it", () => {
    const rows = buildGrid(days, [entry({})], [{ project_id: "pr1", task_id: null, service_id: null, project_name: "Website" }]);
    expect(rows).toHaveLength(1);
  });

  it("turns a typed total into one create, update or delete", () => {
    expect(cellChange([], 90)).toEqual({ kind: "create", minutes: 90 });
    expect(cellChange([], 0)).toEqual({ kind: "none" });
    const one = entry({ id: "x", minutes: 60 });
    expect(cellChange([one], 60)).toEqual({ kind: "none" });
    expect(cellChange([one], 90)).toEqual({ kind: "update", id: "x", minutes: 90 });
    expect(cellChange([one], 0)).toEqual({ kind: "delete", id: "x" });
    expect(cellChange([entry({ status: "submitted", id: "s" })], 30)).toEqual({ kind: "update", id: "s", minutes: 30 });
  });

  it("leaves approved, invoiced and split cells alone", () => {
    expect(cellChange([entry({ status: "approved" })], 30)).toEqual({ kind: "locked" });
    expect(cellChange([entry({ status: "approved", id: "ap" })], 30, true)).toEqual({ kind: "update", id: "ap", minutes: 30 });
    expect(cellChange([entry({ status: "invoiced" })], 30, true)).toEqual({ kind: "locked" });
    expect(cellChange([entry({}), entry({})], 30)).toEqual({ kind: "locked" });
  });
});

describe("the approval queue", () => {
  it("groups entries per person and week, oldest week first", () => {
    const groups = groupByPersonWeek([
      entry({ person_id: "b", person_name: "Bea", work_date: "2026-12-02", minutes: 30 }),
      entry({ person_id: "a", person_name: "Ad", work_date: "2026-11-24" }),
      entry({ person_id: "b", person_name: "Bea", work_date: "2026-11-30", minutes: 90 }),
      entry({ person_id: "a", person_name: "Ad", work_date: "2026-12-06" }),
    ]);
    expect(groups.map((g) => [g.person_name, g.week, g.entries.length, g.minutes])).toEqual([
      ["Ad", "2026-11-23", 1, 60],
      ["Ad", "2026-11-30", 1, 60],
      ["Bea", "2026-11-30", 2, 120],
    ]);
    expect(groups[2]?.entries.map((e) => e.work_date)).toEqual(["2026-11-30", "2026-12-02"]);
  });
});

describe("budgets", () => {
  it("warn from 80% and are exceeded from 100%", () => {
    expect(levelOf(null)).toBe("ok");
    expect(levelOf(7999)).toBe("ok");
    expect(levelOf(8000)).toBe("warning");
    expect(levelOf(9999)).toBe("warning");
    expect(levelOf(10000)).toBe("exceeded");
    expect(barWidth(12345)).toBe(100);
    expect(barWidth(4550)).toBe(45);
    expect(barWidth(null)).toBe(0);
  });
});

describe("the project form", () => {
  it("asks for the amounts of the billing type", () => {
    expect(amountsFor("time_and_materials")).toEqual({ rate: true, fixed: false, retainer: false });
    expect(amountsFor("fixed_price")).toEqual({ rate: true, fixed: true, retainer: false });
    expect(amountsFor("retainer")).toEqual({ rate: true, fixed: false, retainer: true });
    expect(amountsFor("non_billable")).toEqual({ rate: false, fixed: false, retainer: false });
  });
});

describe("the task board", () => {
  const task = (id: string, status: Task["status"], position: number, parent: string | null = null): Task => ({
    assignee_id: null,
    client_visible: false,
    created_at: "2026-11-30T10:00:00Z",
    description: null,
    due_date: null,
    estimate_minutes: null,
    id,
    parent_id: parent,
    position,
    project_id: "p",
    status,
    title: id,
    updated_at: "2026-11-30T10:00:00Z",
  });

  it("puts top-level tasks in their status column in order, subtasks under their parent", () => {
    const { columns, children } = boardOf([
      task("b", "to_do", 2),
      task("a", "to_do", 1),
      task("c", "done", 3),
      task("a2", "done", 5, "a"),
      task("a1", "to_do", 4, "a"),
      task("orphan", "review", 6, "gone"),
    ]);
    expect(columns.to_do.map((t) => t.id)).toEqual(["a", "b"]);
    expect(columns.done.map((t) => t.id)).toEqual(["c"]);
    expect(columns.review.map((t) => t.id)).toEqual(["orphan"]);
    expect(children.get("a")?.map((t) => t.id)).toEqual(["a1", "a2"]);
  });
});

describe("time texts", () => {
  it("name every time error code and status in both languages", () => {
    for (const locale of ["en", "nl"] as const) {
      const t = translator(locale);
      for (const code of ["time_locked", "period_locked", "budget_cap", "nothing_to_invoice", "timer_running", "has_time", "invoice_bills_time"]) {
        expect(t(`error.${code}` as never)).not.toBe(`error.${code}`);
      }
    }
  });
});
