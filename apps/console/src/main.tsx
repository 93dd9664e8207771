import "@mantine/core/styles.css";
import "./i18n";
import { Badge, createTheme, MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { isApiError } from "./api/client";
import { App } from "./app/App";
import { watchSession } from "./auth/session";

const theme = createTheme({
  primaryColor: "indigo",
  fontFamily:
    '-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif',
  defaultRadius: "sm",
  components: {
    // A badge is one word or two ("Node administrator", "来件"): it keeps its width in a narrow row or
    // column instead of being cut to "Node administra…" / "来…".
    Badge: Badge.extend({
      styles: {
        root: { flexShrink: 0, overflow: "visible", maxWidth: "none" },
        label: { overflow: "visible", textOverflow: "clip" },
      },
    }),
  },
});

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A refusal (4xx) will not change by asking again; transient failures get two more tries.
      retry: (count, err) => !(isApiError(err) && err.status >= 400 && err.status < 500) && count < 2,
      refetchOnWindowFocus: false,
      staleTime: 15_000,
    },
    mutations: { retry: false },
  },
});
watchSession(queryClient);

const root = document.getElementById("root");
if (!root) throw new Error("#root missing from index.html");
createRoot(root).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="light">
      <QueryClientProvider client={queryClient}>
        <App />
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
