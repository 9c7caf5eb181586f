-- SampleShop schema: the catalog, customers with their consents, and orders.
-- Applied once, in order, inside one transaction; shop.schema_versions records it (see Data/ShopMigrator.cs).

CREATE TABLE shop.products (
    id       integer PRIMARY KEY,
    sku      text NOT NULL UNIQUE,
    name     text NOT NULL,
    category text NOT NULL,
    price    numeric(10, 2) NOT NULL CHECK (price > 0),
    stock    integer NOT NULL CHECK (stock >= 0)
);

CREATE TABLE shop.customers (
    id         integer PRIMARY KEY,
    full_name  text NOT NULL,
    email      text NOT NULL UNIQUE,
    country    char(2) NOT NULL,
    created_at timestamptz NOT NULL
);

-- One row per customer and purpose: what the customer agreed to, and when that last changed.
CREATE TABLE shop.consents (
    customer_id integer NOT NULL REFERENCES shop.customers (id) ON DELETE CASCADE,
    purpose     text NOT NULL CHECK (purpose IN ('order_processing', 'marketing_email', 'analytics')),
    granted     boolean NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (customer_id, purpose)
);

CREATE TABLE shop.orders (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES shop.customers (id),
    placed_at   timestamptz NOT NULL DEFAULT now(),
    status      text NOT NULL DEFAULT 'placed',
    total       numeric(12, 2) NOT NULL CHECK (total >= 0)
);

CREATE INDEX orders_customer_placed_idx ON shop.orders (customer_id, placed_at DESC);

CREATE TABLE shop.order_lines (
    order_id   bigint NOT NULL REFERENCES shop.orders (id) ON DELETE CASCADE,
    line       smallint NOT NULL,
    product_id integer NOT NULL REFERENCES shop.products (id),
    quantity   integer NOT NULL CHECK (quantity BETWEEN 1 AND 10),
    unit_price numeric(10, 2) NOT NULL,
    PRIMARY KEY (order_id, line)
);
