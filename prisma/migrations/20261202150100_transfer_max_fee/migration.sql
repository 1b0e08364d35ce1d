-- A request's maxFee (total network fee ceiling, native base units), shown by GET /v1/transfers/:id.
ALTER TABLE "Transfer" ADD COLUMN "maxFee" TEXT;
