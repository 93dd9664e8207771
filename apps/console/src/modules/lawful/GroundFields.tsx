import { LAWFUL_GROUNDS, type LawfulGround } from "@crossline/schemas";
import { Select, Textarea } from "@mantine/core";
import { useTranslation } from "react-i18next";

/** A ground from the closed list and the written reason: what a decision or a refusal states. */
export function GroundFields(props: {
  ground: LawfulGround | null;
  text: string;
  onGround(g: LawfulGround | null): void;
  onText(t: string): void;
  testId: string;
}) {
  const { t } = useTranslation();
  return (
    <>
      <Select
        label={t("lawful.fields.ground")}
        data={LAWFUL_GROUNDS.map((g) => ({ value: g, label: t(`lawful.ground.${g}`) }))}
        value={props.ground}
        onChange={(v) => props.onGround(v as LawfulGround | null)}
        required
        data-testid={`${props.testId}-ground`}
      />
      <Textarea
        label={t("lawful.fields.text")}
        value={props.text}
        onChange={(e) => props.onText(e.currentTarget.value)}
        required
        autosize
        minRows={2}
        data-testid={`${props.testId}-text`}
      />
    </>
  );
}
