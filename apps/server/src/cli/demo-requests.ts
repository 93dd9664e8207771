import {
  type AnswerInput,
  computeDeadlines,
  DEFAULT_DEADLINE_POLICY,
  preservationExpiry,
  type RequestDraftInputRaw,
  type RequestStatus,
  type SecondCheck,
  type Side,
  type TimelineEventName,
} from "@crossline/schemas";
import { uuidv7 } from "../crypto/ids.js";
import { inTransaction } from "../db/client.js";
import {
  dutyShifts,
  hotlineLog,
  notifications,
  requestEvents,
  requestMessages,
  requests,
} from "../db/schema/index.js";
import type { Ctx } from "../lib/actor.js";
import { parseForm, referenceFor } from "../modules/requests/requests.service.js";
import { dueColumns, titleOf } from "../modules/requests/requests.views.js";
import type { Services } from "../services.js";
import { DEMO_NODES } from "./demo-data.js";

/**
 * The demo's hotline traffic: fictitious requests between CN-MPS and US-DOJ in every state a desk sees
 * (open, overdue, escalated, answered, declined, closed, awaiting approval), seeded into both nodes with
 * the same ids, statuses and timelines, as if they had travelled as signed events. Times are relative
 * to the minute the demo is created.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

type Step =
  | "submit_for_approval"
  | "approve"
  | "send"
  | "mark_delivered"
  | "acknowledge"
  | "second_check"
  | "start_work"
  | "request_more_info"
  | "provide_more_info"
  | "answer"
  | "close";

interface DemoRequest {
  key: number;
  from: "CN-MPS" | "US-DOJ";
  drafter: string;
  approver?: string;
  responder: string;
  form: RequestDraftInputRaw;
  /** How long ago it was created. */
  createdAgo: number;
  /** The steps taken, each with its offset after creation. */
  steps: [Step, number, Record<string, unknown>?][];
  thread?: { side: "requester" | "responder"; at: number; text: string; lang: "en" | "zh-CN" }[];
}

const cnAuthority = (name: string, romanised: string) => ({
  name: "Ministry of Public Security, Cybersecurity Bureau",
  officer: { name: { original: name, romanised }, title: "Inspector" },
  contact: { phone: "+86 10 6620 0000", email: "hotline@mps.demo.example" },
});
const usAuthority = (name: string) => ({
  name: "U.S. Department of Justice, Computer Crime and Intellectual Property Section",
  officer: { name: { original: name }, title: "Trial Attorney" },
  contact: { phone: "+1 202 555 0100", email: "hotline@doj.demo.example" },
});
const en = (text: string) => ({ lang: "en" as const, text });
const zh = (text: string) => ({ lang: "zh-CN" as const, text });

const answer = (outcome: AnswerInput["outcome"], summary: string, grounds?: AnswerInput["grounds"]) => ({
  answer: { outcome, summary: en(summary), attachments: [], ...(grounds ? { grounds } : {}) },
});

const DEMO_REQUESTS: DemoRequest[] = [
  {
    key: 1,
    from: "CN-MPS",
    drafter: "case.li",
    approver: "supervisor.zhang",
    responder: "duty.miller",
    createdAgo: 3 * DAY,
    form: {
      type: "preservation",
      urgency: "emergency",
      urgencyReason: zh("账户内存有策划袭击的聊天记录，服务商七日后自动删除。"),
      legalBasis: { instrument: "budapest_convention", article: "29" },
      requestingAuthority: cnAuthority("李明", "Li Ming"),
      offence: {
        category: "terrorist_misuse",
        description: en("Online planning of an attack on a railway station"),
      },
      facts: zh("嫌疑人“夜鸮”通过境外邮箱与同伙联络，策划袭击火车站。"),
      subjects: [{ kind: "person", role: "suspect", names: [{ original: "夜鸮", romanised: "Ye Xiao" }] }],
      identifiers: [{ type: "email", value: "night.owl@mail.demo.example" }],
      measuresSought: en("Preserve the account's stored content, contacts and login IP addresses."),
      details: {
        dataToPreserve: en("Messages, address book and login IP addresses since 1 October"),
        linkToOffence: en("The account is the suspects' coordination channel"),
        custodian: { name: "Demo Mail Inc.", country: "US" },
        whyPreservationNeeded: en("The provider deletes inactive content after 7 days"),
        mutualAssistanceToFollow: true,
        preservationDays: 90,
      },
    },
    steps: [
      ["submit_for_approval", 20 * MIN],
      ["approve", 35 * MIN, { note: zh("同意，紧急发送。") }],
      ["mark_delivered", 36 * MIN],
      ["acknowledge", 50 * MIN],
      ["second_check", 70 * MIN],
      [
        "answer",
        5 * HOUR,
        answer("fulfilled", "Demo Mail Inc. confirmed preservation of the account for 90 days."),
      ],
    ],
    thread: [
      {
        side: "responder",
        at: 2 * HOUR,
        lang: "en",
        text: "The provider asks for the exact account creation date if known.",
      },
      { side: "requester", at: 3 * HOUR, lang: "zh-CN", text: "账户约于2026年9月注册，具体日期不详。" },
    ],
  },
  {
    key: 2,
    from: "CN-MPS",
    drafter: "case.li",
    approver: "supervisor.zhang",
    responder: "duty.miller",
    createdAgo: 2 * HOUR,
    form: {
      type: "emergency_disclosure",
      urgency: "emergency",
      legalBasis: { instrument: "reciprocity" },
      requestingAuthority: cnAuthority("王芳", "Wang Fang"),
      offence: {
        category: "other",
        description: en("Kidnapping of a student; ransom demanded over a messaging app"),
      },
      facts: zh("一名留学生被绑架，绑匪通过境外即时通讯账户索要赎金。"),
      subjects: [{ kind: "person", role: "victim", names: [{ original: "刘洋", romanised: "Liu Yang" }] }],
      identifiers: [{ type: "online_account", service: "demo-messenger", value: "@ransom_demo_77" }],
      measuresSought: en("Subscriber details and the last login IP addresses of the account."),
      details: {
        riskToLife: {
          harm: "kidnapping",
          description: en("The kidnappers threatened to kill the victim within 24 hours"),
          personsAtRisk: en("Liu Yang, 22, student"),
          whyUrgent: en("The ransom deadline expires tonight Beijing time"),
        },
        dataSought: en("Subscriber information and login IP addresses for the last 72 hours"),
        provider: "Demo Messenger LLC",
      },
    },
    steps: [
      ["submit_for_approval", 5 * MIN],
      ["approve", 12 * MIN],
      ["mark_delivered", 13 * MIN],
    ],
  },
  {
    key: 3,
    from: "US-DOJ",
    drafter: "case.johnson",
    approver: "supervisor.davis",
    responder: "duty.wang",
    createdAgo: 10 * DAY,
    form: {
      type: "subscriber_info",
      urgency: "routine",
      legalBasis: {
        instrument: "bilateral_mlaa",
        reference: "PRC-US Agreement on Mutual Legal Assistance in Criminal Matters (2000)",
      },
      requestingAuthority: usAuthority("Alex Johnson"),
      offence: {
        category: "email_web_fraud",
        description: en("Business e-mail compromise against a Midwest manufacturer"),
      },
      facts: en("Invoices worth USD 1.2 million were redirected to accounts opened with a spoofed domain."),
      identifiers: [{ type: "domain", value: "invoice-demo-payments.example" }],
      measuresSought: en("Registrant and payment details of the domain."),
      details: { dataSought: ["name", "contact", "payment"], provider: "Demo Registrar Co." },
    },
    steps: [
      ["submit_for_approval", 1 * HOUR],
      ["approve", 3 * HOUR],
      ["mark_delivered", 3 * HOUR + MIN],
      ["acknowledge", 9 * HOUR],
      ["start_work", 1 * DAY],
    ],
  },
  {
    key: 4,
    from: "US-DOJ",
    drafter: "case.johnson",
    approver: "supervisor.davis",
    responder: "duty.wang",
    createdAgo: 4 * DAY,
    form: {
      type: "takedown",
      urgency: "urgent",
      urgencyReason: en("The phishing kit harvests bank credentials from thousands of victims a day."),
      legalBasis: { instrument: "reciprocity" },
      requestingAuthority: usAuthority("Alex Johnson"),
      offence: { category: "email_web_fraud", description: en("Phishing sites impersonating a U.S. bank") },
      facts: en(
        "Three look-alike domains host a phishing kit; the servers are in a data centre in Shenzhen.",
      ),
      measuresSought: en("Take the sites down and preserve the server images."),
      details: {
        targets: [
          { identifier: { type: "domain", value: "secure-login-demo-bank.example" }, role: "phishing_site" },
          { identifier: { type: "ipv4", value: "203.0.113.45" }, role: "phishing_site" },
        ],
        action: "takedown",
        evidenceOfAbuse: en("Screenshots and the phishing kit's source, hashes attached"),
      },
    },
    steps: [
      ["submit_for_approval", 30 * MIN],
      ["approve", 1 * HOUR],
      ["mark_delivered", 1 * HOUR + MIN],
      ["acknowledge", 3 * HOUR],
      ["start_work", 6 * HOUR],
    ],
  },
  {
    key: 5,
    from: "CN-MPS",
    drafter: "case.li",
    approver: "supervisor.zhang",
    responder: "case.johnson",
    createdAgo: 12 * DAY,
    form: {
      type: "traffic_content_mla",
      urgency: "routine",
      legalBasis: {
        instrument: "bilateral_mlaa",
        reference: "PRC-US Agreement on Mutual Legal Assistance in Criminal Matters (2000)",
      },
      requestingAuthority: cnAuthority("李明", "Li Ming"),
      offence: { category: "online_firearms", description: zh("通过境外网站非法销售枪支") },
      facts: zh("犯罪团伙利用境外网站销售枪支零件，通过邮件与买家联系。"),
      identifiers: [{ type: "url", value: "https://parts-demo-shop.example/catalogue" }],
      measuresSought: zh("调取网站订单记录及相关邮箱内容。"),
      details: {
        dataKinds: ["content", "traffic"],
        dataSought: en("Order records of the shop and the content of the seller's mailbox"),
        formalities: en("Certificate of authenticity from the custodian"),
      },
    },
    steps: [
      ["submit_for_approval", 2 * HOUR],
      ["approve", 5 * HOUR],
      ["mark_delivered", 5 * HOUR + MIN],
      ["acknowledge", 20 * HOUR],
      [
        "request_more_info",
        3 * DAY,
        { question: en("Please state the dual-criminality basis under U.S. law.") },
      ],
    ],
  },
  {
    key: 6,
    from: "US-DOJ",
    drafter: "fugitive.wilson",
    approver: "supervisor.davis",
    responder: "duty.wang",
    createdAgo: 40 * DAY,
    form: {
      type: "fugitive_locate",
      urgency: "routine",
      legalBasis: { instrument: "reciprocity" },
      requestingAuthority: usAuthority("Morgan Wilson"),
      offence: { category: "fraud", description: en("Investment fraud of USD 30 million") },
      facts: en("The suspect left the United States in 2024 and is believed to live in Guangzhou."),
      subjects: [{ kind: "person", role: "suspect", names: [{ original: "Daniel Roe" }], nationality: "US" }],
      measuresSought: en("Confirm the suspect's whereabouts."),
      details: {
        subjectIndex: 0,
        noticeReference: "Demo red notice 2025/0001",
        suspectedWhereabouts: en("Guangzhou, Tianhe district"),
      },
    },
    steps: [
      ["submit_for_approval", 2 * HOUR],
      ["approve", 1 * DAY],
      ["mark_delivered", 1 * DAY + MIN],
      ["acknowledge", 1 * DAY + 5 * HOUR],
      ["start_work", 2 * DAY],
      [
        "answer",
        25 * DAY,
        answer("partly_fulfilled", "Lived in Tianhe district until March; current address unknown.", {
          code: "no_data_held",
          explanation: en("No registration after March."),
        }),
      ],
      ["close", 27 * DAY],
    ],
  },
  {
    key: 7,
    from: "CN-MPS",
    drafter: "fugitive.zhao",
    approver: "supervisor.zhang",
    responder: "fugitive.wilson",
    createdAgo: 8 * DAY,
    form: {
      type: "asset_freezing",
      urgency: "urgent",
      urgencyReason: zh("赃款正在被转移。"),
      legalBasis: { instrument: "uncac", article: "54" },
      requestingAuthority: cnAuthority("赵刚", "Zhao Gang"),
      offence: { category: "corruption", description: zh("国有企业负责人受贿并外逃") },
      facts: zh("嫌疑人将受贿所得经香港转入美国银行账户。"),
      subjects: [{ kind: "person", role: "suspect", names: [{ original: "钱某", romanised: "Qian Mou" }] }],
      measuresSought: zh("冻结以下银行账户。"),
      details: {
        assets: [
          {
            kind: "bank_account",
            description: en("Checking account at a demo bank in New York"),
            estimatedValue: { amountMinor: 250_000_000, currency: "USD" },
            jurisdiction: "US",
          },
        ],
        riskOfDissipation: en("Transfers out of the account were seen last week"),
      },
    },
    steps: [
      ["submit_for_approval", 1 * HOUR],
      ["approve", 2 * HOUR],
      ["mark_delivered", 2 * HOUR + MIN],
      ["acknowledge", 4 * HOUR],
      [
        "answer",
        2 * DAY,
        answer("declined", "A freezing order needs the account number and the domestic court order.", {
          code: "insufficient_information",
          explanation: en("Send the account number and the order; we will act at once."),
        }),
      ],
    ],
  },
  {
    key: 8,
    from: "CN-MPS",
    drafter: "case.li",
    responder: "duty.miller",
    createdAgo: 3 * HOUR,
    form: {
      type: "general_information",
      urgency: "routine",
      legalBasis: { instrument: "reciprocity" },
      requestingAuthority: cnAuthority("李明", "Li Ming"),
      offence: {
        category: "csam",
        description: en("Distribution of child sexual abuse material through a file host"),
      },
      facts: zh("境外文件托管平台被用于传播儿童色情材料。"),
      measuresSought: en("Which U.S. authority receives reports about this file host?"),
      details: { question: en("Which U.S. authority handles reports about this file hosting service?") },
    },
    steps: [["submit_for_approval", 30 * MIN]],
  },
  {
    key: 9,
    from: "US-DOJ",
    drafter: "case.johnson",
    approver: "supervisor.davis",
    responder: "duty.wang",
    createdAgo: 5 * HOUR,
    form: {
      type: "criminal_record",
      urgency: "routine",
      legalBasis: { instrument: "reciprocity" },
      requestingAuthority: usAuthority("Alex Johnson"),
      offence: { category: "intrusion", description: en("Intrusion into a hospital network") },
      facts: en(
        "A PRC national arrested in Seattle is charged with intrusion; prior convictions matter for sentencing.",
      ),
      subjects: [
        {
          kind: "person",
          role: "suspect",
          names: [{ original: "张伟", romanised: "Zhang Wei" }],
          dateOfBirth: "1990-04",
          nationality: "CN",
        },
      ],
      measuresSought: en("Criminal record of the person, if any."),
      details: { subjectIndex: 0, purpose: en("Sentencing in U.S. District Court") },
    },
    steps: [
      ["submit_for_approval", 20 * MIN],
      ["approve", 1 * HOUR],
      ["mark_delivered", 1 * HOUR + MIN],
    ],
  },
];

function demoId(anchor: number, key: number, createdAgo: number): string {
  const ms = (anchor - createdAgo).toString(16).padStart(12, "0");
  const k = key.toString(16).padStart(3, "0");
  return `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7${k}-8d00-00000000de${k.padStart(2, "0").slice(-2)}`;
}

const SIDE_OF: Record<Step, "requester" | "responder"> = {
  submit_for_approval: "requester",
  approve: "requester",
  send: "requester",
  mark_delivered: "responder",
  acknowledge: "responder",
  second_check: "responder",
  start_work: "responder",
  request_more_info: "responder",
  provide_more_info: "requester",
  answer: "responder",
  close: "requester",
};
const TO: Record<Step, RequestStatus | null> = {
  submit_for_approval: "pending_approval",
  approve: "sent",
  send: "sent",
  mark_delivered: "delivered",
  acknowledge: "acknowledged",
  second_check: null,
  start_work: "in_progress",
  request_more_info: "more_info_requested",
  provide_more_info: "in_progress",
  answer: "answered",
  close: "closed",
};

let demoAnchor: number | null = null;

export async function seedDemoRequests(
  services: Services,
  ctx: Ctx,
  o: { nodeId: string; unitIds: Map<string, string>; userIds: Map<string, string> },
): Promise<number> {
  const self = DEMO_NODES.find((n) => n.id === o.nodeId);
  if (!self) return 0;
  const hotlineUnit = o.unitIds.get(self.units[0].name) as string;
  const policy = await services.requestPolicy.get(ctx);
  await services.requestPolicy.put(ctx, { ...policy, intakeUnitId: hotlineUnit });
  // One anchor for every node seeded by this process, so both nodes get the same ids and instants.
  demoAnchor ??= Math.floor(services.clock.now().getTime() / MIN) * MIN;
  const anchor = demoAnchor;
  const labelOf = (nodeId: string, username: string) => {
    const spec = DEMO_NODES.find((n) => n.id === nodeId);
    return spec?.users.find((u) => u.username === username)?.displayName ?? username;
  };
  let n = 0;
  await inTransaction(services.db, async (tx) => {
    // Duty shifts: the hotline desk's duty officer covers today and tomorrow, 08:00-08:00 local time.
    const dutyUser = self.users.find((u) => u.roles.includes("duty_officer"));
    if (dutyUser) {
      const start = anchor - 8 * HOUR;
      for (let d = 0; d < 3; d++) {
        await tx.insert(dutyShifts).values({
          id: uuidv7(),
          unitId: hotlineUnit,
          userId: o.userIds.get(dutyUser.username) as string,
          role: "primary",
          startsAt: new Date(start + d * DAY),
          endsAt: new Date(start + (d + 1) * DAY),
          timeZone: self.timeZone,
          note: "demo rota",
          createdAt: new Date(anchor),
        });
      }
    }
    for (const spec of DEMO_REQUESTS) {
      const outgoing = spec.from === o.nodeId;
      const requester = DEMO_NODES.find((x) => x.id === spec.from);
      const responder = DEMO_NODES.find((x) => x.id !== spec.from);
      if (!requester || !responder) continue;
      const sentStep = spec.steps.find(([s]) => s === "approve" || s === "send");
      if (!outgoing && !sentStep) continue; // drafts stay on the requesting node
      const form = parseForm(spec.form, `demo request ${spec.key}`);
      const id = demoId(anchor, spec.key, spec.createdAgo);
      const created = anchor - spec.createdAgo;
      const at = (offset: number) => new Date(created + offset);
      const drafterUnit = requester.users.find((u) => u.username === spec.drafter)?.unit as string;
      const row: typeof requests.$inferInsert = {
        id,
        reference: referenceFor(requester.id, id, new Date(created)),
        direction: outgoing ? "outgoing" : "incoming",
        peerId: outgoing ? responder.id : requester.id,
        ownerUnitId: outgoing ? (o.unitIds.get(drafterUnit) as string) : hotlineUnit,
        type: form.type,
        urgency: form.urgency,
        status: "draft",
        title: titleOf(form),
        input: spec.form,
        content: form,
        createdBy: outgoing ? (o.userIds.get(spec.drafter) ?? null) : null,
        createdByLabel: outgoing
          ? labelOf(requester.id, spec.drafter)
          : `${labelOf(requester.id, spec.drafter)} (${requester.id})`,
        createdAt: new Date(created),
        updatedAt: new Date(created),
        requesterTimeZone: requester.timeZone,
        responderTimeZone: responder.timeZone,
      };
      const events: (typeof requestEvents.$inferInsert)[] = [];
      const push = (
        event: TimelineEventName,
        from: RequestStatus | null,
        to: RequestStatus,
        side: Side,
        nodeId: string,
        actor: string,
        when: Date,
        data = {},
      ) =>
        events.push({
          id: uuidv7(),
          requestId: id,
          event,
          fromStatus: from,
          toStatus: to,
          side,
          nodeId,
          actorLabel: actor,
          at: when,
          data,
        });
      // Both nodes show the whole timeline: the submission carries the requester's history.
      const requesterLabel = (l: string) => (requester.id === o.nodeId ? l : `${l} (${requester.id})`);
      push(
        "create",
        null,
        "draft",
        "requester",
        requester.id,
        requesterLabel(labelOf(requester.id, spec.drafter)),
        new Date(created),
      );
      let status: RequestStatus = "draft";
      for (const [step, offset, data = {}] of spec.steps) {
        const when = at(offset);
        const side = SIDE_OF[step];
        const nodeId = side === "requester" ? requester.id : responder.id;
        const who =
          step === "mark_delivered"
            ? "system"
            : labelOf(
                nodeId,
                step === "approve"
                  ? (spec.approver as string)
                  : side === "requester"
                    ? spec.drafter
                    : spec.responder,
              );
        const shown = nodeId === o.nodeId ? who : `${who} (${nodeId})`;
        if (step === "second_check") {
          const check: SecondCheck = {
            checkedBy: {
              userId: "00000000-0000-7000-8000-000000000000",
              name: labelOf(responder.id, spec.responder),
            },
            method: "phone_callback",
            namedContact: {
              name: requester.users.find((u) => u.username === spec.drafter)?.displayName ?? "",
              organisation: requester.agency,
            },
            at: when.toISOString(),
            result: "confirmed",
            notes: en("Called back on the liaison desk number from the paired node's directory."),
          };
          row.secondCheck = check;
          push("second_check", status, status, side, nodeId, shown, when, { secondCheck: check });
          continue;
        }
        const to = TO[step] as RequestStatus;
        push(step, status, to, side, nodeId, shown, when, data);
        if (to === "sent") {
          const d = computeDeadlines(DEFAULT_DEADLINE_POLICY, form.type, form.urgency, when);
          Object.assign(row, { sentAt: when, acknowledgeBy: d.acknowledgeBy, answerBy: d.answerBy });
        }
        if (step === "mark_delivered") row.deliveredAt = when;
        if (step === "acknowledge") row.acknowledgedAt = when;
        if (step === "answer") {
          const a = (data as { answer: AnswerInput }).answer;
          Object.assign(row, { answer: a, outcome: a.outcome, answeredAt: when });
          if (form.type === "preservation" && a.outcome !== "declined") {
            row.preservationExpiresAt = preservationExpiry(when, 90);
          }
        }
        if (step === "close") row.closedAt = when;
        status = to;
        row.updatedAt = when;
      }
      row.status = status;
      Object.assign(
        row,
        dueColumns({
          status,
          sentAt: row.sentAt ?? null,
          acknowledgedAt: row.acknowledgedAt ?? null,
          acknowledgeBy: row.acknowledgeBy ?? null,
          answerBy: row.answerBy ?? null,
        }),
      );
      if (row.acknowledgeBy && !row.acknowledgedAt && row.acknowledgeBy.getTime() < anchor && row.sentAt) {
        row.escalationLevel = 1;
      }
      await tx.insert(requests).values(row);
      if (events.length) await tx.insert(requestEvents).values(events);
      for (const m of spec.thread ?? []) {
        const nodeId = m.side === "requester" ? requester.id : responder.id;
        const author = labelOf(nodeId, m.side === "requester" ? spec.drafter : spec.responder);
        await tx.insert(requestMessages).values({
          id: uuidv7(),
          requestId: id,
          nodeId,
          authorLabel: nodeId === o.nodeId ? author : `${author} (${nodeId})`,
          body: { lang: m.lang, text: m.text },
          attachments: [],
          at: at(m.at),
          readAt: at(m.at + 30 * MIN),
          readByLabel: labelOf(
            nodeId === requester.id ? responder.id : requester.id,
            m.side === "requester" ? spec.responder : spec.drafter,
          ),
        });
      }
      if (!outgoing) {
        await tx.insert(hotlineLog).values({
          id: uuidv7(),
          at: row.sentAt as Date,
          unitId: hotlineUnit,
          requestId: id,
          peerId: requester.id,
          direction: "incoming",
          kind: "request_received",
          actorLabel: requester.id,
          summary: `${row.reference} (${row.urgency} ${row.type}) received from ${requester.id}`,
        });
        if (status === "delivered" && dutyUser) {
          await tx.insert(notifications).values({
            id: uuidv7(),
            userId: o.userIds.get(dutyUser.username) as string,
            kind: "request_received",
            severity: form.urgency === "routine" ? "info" : form.urgency,
            requestId: id,
            messageKey: `request_received_${form.urgency}`,
            params: {
              reference: row.reference,
              peer: requester.id,
              title: row.title,
              acknowledgeBy: { at: (row.acknowledgeBy as Date).toISOString(), zone: requester.timeZone },
            },
            createdAt: row.sentAt as Date,
          });
        }
      }
      n++;
    }
    await services.audit.record(tx, ctx, {
      action: "demo.seed_requests",
      targetType: "node",
      targetId: o.nodeId,
      details: { requests: n },
    });
  });
  return n;
}
