ALTER TABLE "notifications" ALTER COLUMN "title_en" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "notifications" ALTER COLUMN "title_zh" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "notifications" ALTER COLUMN "body_en" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "notifications" ALTER COLUMN "body_zh" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "message_key" text;--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "params" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "preservation_extensions" ADD CONSTRAINT "preservation_extensions_status_check" CHECK ("status" in ('requested', 'granted', 'refused'));--> statement-breakpoint
ALTER TABLE "request_events" ADD CONSTRAINT "request_events_from_status_check" CHECK ("from_status" in ('draft', 'pending_approval', 'sent', 'delivered', 'acknowledged', 'in_progress', 'more_info_requested', 'answered', 'closed', 'withdrawn'));--> statement-breakpoint
ALTER TABLE "request_events" ADD CONSTRAINT "request_events_to_status_check" CHECK ("to_status" in ('draft', 'pending_approval', 'sent', 'delivered', 'acknowledged', 'in_progress', 'more_info_requested', 'answered', 'closed', 'withdrawn'));--> statement-breakpoint
ALTER TABLE "request_events" ADD CONSTRAINT "request_events_side_check" CHECK ("side" in ('requester', 'responder'));--> statement-breakpoint
ALTER TABLE "requests" ADD CONSTRAINT "requests_type_check" CHECK ("type" in ('preservation', 'traffic_disclosure', 'subscriber_info', 'traffic_content_mla', 'emergency_disclosure', 'takedown', 'fugitive_locate', 'provisional_arrest', 'extradition', 'deportation', 'repatriation_identity_check', 'asset_tracing', 'asset_freezing', 'asset_confiscation', 'asset_return', 'interview', 'criminal_record', 'general_information'));--> statement-breakpoint
ALTER TABLE "requests" ADD CONSTRAINT "requests_urgency_check" CHECK ("urgency" in ('emergency', 'urgent', 'routine'));--> statement-breakpoint
ALTER TABLE "requests" ADD CONSTRAINT "requests_status_check" CHECK ("status" in ('draft', 'pending_approval', 'sent', 'delivered', 'acknowledged', 'in_progress', 'more_info_requested', 'answered', 'closed', 'withdrawn'));--> statement-breakpoint
ALTER TABLE "requests" ADD CONSTRAINT "requests_direction_check" CHECK ("direction" in ('outgoing', 'incoming'));--> statement-breakpoint
ALTER TABLE "requests" ADD CONSTRAINT "requests_outcome_check" CHECK ("outcome" in ('fulfilled', 'partly_fulfilled', 'declined'));