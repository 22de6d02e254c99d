CREATE TABLE payment (id int, paid date, amount numeric, PRIMARY KEY (id, paid)) PARTITION BY RANGE (paid);
CREATE TABLE payment_2022 PARTITION OF payment FOR VALUES FROM ('2022-01-01') TO ('2023-01-01');
CREATE TABLE payment_2023 PARTITION OF payment FOR VALUES FROM ('2023-01-01') TO ('2024-01-01')
    PARTITION BY LIST (id);
CREATE TABLE payment_2023_a PARTITION OF payment_2023 FOR VALUES IN (1, 2, 3);
CREATE TABLE payment_rest PARTITION OF payment DEFAULT;
CREATE INDEX payment_paid ON payment (paid, amount);
CREATE VIEW payment_total AS SELECT paid, sum(amount) AS total FROM payment GROUP BY paid;
COMMENT ON TABLE payment_2023 IS 'by id';
