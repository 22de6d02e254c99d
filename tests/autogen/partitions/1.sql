-- partitioned tables, partitions, a default partition, a view over them
CREATE TABLE payment (id int, paid date, amount numeric) PARTITION BY RANGE (paid);
CREATE TABLE payment_2022 PARTITION OF payment FOR VALUES FROM ('2022-01-01') TO ('2023-01-01');
CREATE TABLE payment_rest PARTITION OF payment DEFAULT;
CREATE INDEX payment_paid ON payment (paid);
CREATE VIEW payment_total AS SELECT paid, sum(amount) AS total FROM payment GROUP BY paid;
