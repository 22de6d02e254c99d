CREATE TYPE "Mood" AS ENUM ('Sad', 'Happy', 'it''s fine');
CREATE TABLE "Order Items" (
    "ID" serial PRIMARY KEY,
    "select" varchar(20) NOT NULL DEFAULT 'x''y',
    "Mood" "Mood" DEFAULT 'Happy',
    "Qty" integer CONSTRAINT "Qty > 0" CHECK ("Qty" > 1),
    "New Col" text
);
CREATE TABLE "Refs" ("Item" integer REFERENCES "Order Items" ("ID"));
CREATE INDEX "Order Items by select" ON "Order Items" (lower("select")) WHERE "Qty" > 1;
CREATE VIEW "Big Orders" AS SELECT "ID", "select" FROM "Order Items" WHERE "Qty" > 10;
COMMENT ON COLUMN "Order Items"."select" IS 'still a reserved word';
