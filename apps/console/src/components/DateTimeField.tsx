import { TextInput, type TextInputProps } from "@mantine/core";
import { useTranslation } from "react-i18next";

/**
 * A local date or date-time typed as year-month-day ("2026-12-02 08:30"), the same in both interface
 * languages: the browser's own date inputs follow the browser's locale (mm/dd/yyyy in an American
 * Chromium) whatever the interface language, and read ambiguously across the two sides. The value kept
 * is the API's form ("2026-12-02T08:30" / "2026-12-02"); a space or a "T" between date and time is taken.
 */
export function DateTimeField({
  kind = "datetime",
  value,
  onChange,
  ...rest
}: Omit<TextInputProps, "value" | "onChange" | "type"> & {
  kind?: "date" | "datetime";
  value: string;
  onChange: (value: string) => void;
}) {
  const { t } = useTranslation();
  return (
    <TextInput
      {...rest}
      inputMode="numeric"
      autoComplete="off"
      placeholder={kind === "date" ? t("time.dateFormat") : t("time.dateTimeFormat")}
      value={value.replace("T", " ")}
      onChange={(e) => onChange(e.currentTarget.value.trim().replace(/^(\d{4}-\d{2}-\d{2})[ T]+/, "$1T"))}
    />
  );
}
