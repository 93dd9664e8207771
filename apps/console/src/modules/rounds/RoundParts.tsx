import type { RoundOp, RoundView } from "@crossline/schemas";
import { Card, Stack, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { roundsApi } from "./rounds.api";

/** A card of the round page. */
export function Section({ title, testId, children }: { title: string; testId: string; children: ReactNode }) {
  return (
    <Card withBorder data-testid={testId}>
      <Title order={3} size="h4" mb="xs">
        {title}
      </Title>
      <Stack gap="xs">{children}</Stack>
    </Card>
  );
}

/**
 * One change to the round, made on the version shown. The host applies it at once; on the guest it waits as
 * a proposal until the host's next version answers it (shown under "pending").
 */
export function useRoundChange(view: RoundView) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (op: RoundOp) => roundsApi.change(view.doc.id, view.doc.version, op),
    onSuccess: (r) => qc.setQueryData(["round", view.doc.id], r.round),
  });
}
