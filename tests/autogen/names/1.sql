-- identifiers that need quoting
CREATE TYPE "Mood" AS ENUM ('Happy', 'it''s fine');
CREATE TABLE "Order Items" (
    "ID" serial PRIMARY KEY,
    "select" text NOT NULL DEFAULT 'x''y',
    "Mood" "Mood",
    "Qty" integer CONSTRAINT "Qty > 0" CHECK ("Qty" > 0)
);
CREATE INDEX "Order Items by select" ON "Order Items" ("select") WHERE "Qty" > 1;
COMMENT ON COLUMN "Order Items"."select" IS 'a reserved word';
