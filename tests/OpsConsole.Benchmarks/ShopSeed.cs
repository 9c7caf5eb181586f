namespace OpsConsole.Benchmarks;

/// <summary>
/// A SampleShop-shaped database (src/SampleShop/Sql/001_initial.sql, with the password, address, payment, tracking and
/// note columns a real shop has) seeded server-side with generate_series, in batches of customers: each customer has 3
/// consents, 1 to 8 orders and 1 to 5 lines per order. Values are derived from the ids, so a run is reproducible, and
/// the text compresses like a shop's does (repeated words and numbers; unique e-mails, password hashes, payment and
/// tracking references): about 10:1 from pg_database_size to the custom-format dump.
/// </summary>
internal static class ShopSeed
{
    /// <summary>Tables with their primary keys and indexes (kept up to date by the inserts); foreign keys come at the end.</summary>
    public const string Schema = """
        CREATE SCHEMA shop;

        CREATE TABLE shop.products (
            id       integer PRIMARY KEY,
            sku      text NOT NULL UNIQUE,
            name     text NOT NULL,
            category text NOT NULL,
            price    numeric(10, 2) NOT NULL CHECK (price > 0),
            stock    integer NOT NULL CHECK (stock >= 0)
        );

        CREATE TABLE shop.customers (
            id          integer PRIMARY KEY,
            full_name   text NOT NULL,
            email       text NOT NULL UNIQUE,
            phone       text,
            password    text NOT NULL,
            street      text NOT NULL,
            postal_code text NOT NULL,
            city        text NOT NULL,
            country     char(2) NOT NULL,
            created_at  timestamptz NOT NULL
        );

        CREATE INDEX customers_country_created_idx ON shop.customers (country, created_at);

        CREATE TABLE shop.consents (
            customer_id integer NOT NULL,
            purpose     text NOT NULL CHECK (purpose IN ('order_processing', 'marketing_email', 'analytics')),
            granted     boolean NOT NULL,
            updated_at  timestamptz NOT NULL,
            source      text NOT NULL,
            PRIMARY KEY (customer_id, purpose)
        );

        CREATE TABLE shop.orders (
            id               bigint PRIMARY KEY,
            customer_id      integer NOT NULL,
            placed_at        timestamptz NOT NULL,
            status           text NOT NULL,
            total            numeric(12, 2) NOT NULL CHECK (total >= 0),
            currency         char(3) NOT NULL,
            shipping_address text NOT NULL,
            payment_ref      text NOT NULL,
            tracking_number  text,
            note             text
        );

        CREATE INDEX orders_customer_placed_idx ON shop.orders (customer_id, placed_at DESC);
        CREATE INDEX orders_status_placed_idx ON shop.orders (status, placed_at);

        CREATE TABLE shop.order_lines (
            order_id    bigint NOT NULL,
            line        smallint NOT NULL,
            product_id  integer NOT NULL,
            quantity    integer NOT NULL CHECK (quantity BETWEEN 1 AND 10),
            unit_price  numeric(10, 2) NOT NULL,
            description text NOT NULL,
            PRIMARY KEY (order_id, line)
        );

        CREATE INDEX order_lines_product_idx ON shop.order_lines (product_id);

        INSERT INTO shop.products (id, sku, name, category, price, stock)
        SELECT i,
               'SKU-' || lpad(i::text, 5, '0'),
               (ARRAY['Enamel camping mug', 'Stovetop kettle 1.5 l', 'Cast iron skillet 26 cm', 'Loose leaf green tea 100 g',
                      'Single-origin coffee beans 500 g', 'Waxed canvas tote', 'Insulated bottle 750 ml', 'Dot-grid notebook A5',
                      'Brass ballpoint pen', 'Desk lamp, warm white', 'Terracotta planter 15 cm', 'Wool throw blanket'])[1 + i % 12]
                   || ', ' || (ARRAY['black', 'white', 'sage', 'ochre', 'navy', 'clay'])[1 + (i / 12) % 6],
               (ARRAY['kitchen', 'pantry', 'accessories', 'stationery', 'home'])[1 + i % 5],
               round(4 + ((i * 7919) % 9000) / 100.0, 2),
               (i * 37) % 400
        FROM generate_series(1, 500) AS i;
        """;

    /// <summary>One batch, customers @lo to @hi and everything that hangs off them, one statement per table.</summary>
    public static IReadOnlyList<string> Batch { get; } =
    [
        """
        INSERT INTO shop.customers (id, full_name, email, phone, password, street, postal_code, city, country, created_at)
        SELECT i,
               n.first_name || ' ' || n.last_name,
               lower(n.first_name || '.' || n.last_name || i) || '@example.com',
               CASE WHEN i % 4 <> 0 THEN '+' || (30 + i % 20) || ' ' || lpad(((i::bigint * 7919) % 10000000)::text, 7, '0') END,
               '$2b$12$' || translate(encode(decode(md5('salt' || i) || md5('hash' || i), 'hex'), 'base64'), '+/=', './'),
               (1 + i % 180) || ' ' || (ARRAY['Linden Street', 'Harbour Road', 'Mill Lane', 'Station Avenue', 'Church Street',
                                              'Park Road', 'Market Square', 'Bridge Street', 'Garden Way', 'Hill Crescent'])[1 + (i / 7) % 10],
               lpad(((i::bigint * 31) % 99999)::text, 5, '0'),
               (ARRAY['Berlin', 'Lyon', 'Utrecht', 'Malmö', 'Cork', 'Valencia', 'Turin', 'Kraków', 'Hamburg', 'Lille', 'Gothenburg', 'Seville'])[1 + (i / 3) % 12],
               (ARRAY['DE', 'FR', 'NL', 'SE', 'IE', 'ES', 'IT', 'PL'])[1 + i % 8],
               timestamptz '2022-01-01 00:00:00+00' + ((i::bigint * 7727) % 126230400) * interval '1 second'
        FROM generate_series(@lo, @hi) AS i
        CROSS JOIN LATERAL (
            SELECT (ARRAY['Ada', 'Bruno', 'Clara', 'Dario', 'Elif', 'Finn', 'Greta', 'Hugo', 'Ines', 'Jonas',
                          'Kira', 'Luca', 'Mira', 'Nils', 'Olga', 'Pavel', 'Rosa', 'Sami', 'Tara', 'Umut'])[1 + (i * 7) % 20] AS first_name,
                   (ARRAY['Andersen', 'Bauer', 'Costa', 'Dubois', 'Eriksen', 'Fischer', 'Garcia', 'Horvat', 'Ivanova', 'Jansen',
                          'Keller', 'Lindqvist', 'Moreau', 'Novak', 'Olsen', 'Peeters', 'Quinn', 'Rossi', 'Schmidt', 'Tanaka'])[1 + (i * 11) % 20] AS last_name
        ) AS n
        """,
        """
        INSERT INTO shop.consents (customer_id, purpose, granted, updated_at, source)
        SELECT i,
               p.purpose,
               CASE p.purpose WHEN 'order_processing' THEN true WHEN 'marketing_email' THEN i % 3 <> 0 ELSE i % 2 = 0 END,
               timestamptz '2022-01-01 00:00:00+00' + ((i::bigint * 7727) % 126230400 + (i % 97) * 86400) * interval '1 second',
               (ARRAY['checkout', 'account settings', 'newsletter form', 'support request'])[1 + (i + length(p.purpose)) % 4]
        FROM generate_series(@lo, @hi) AS i
        CROSS JOIN (VALUES ('order_processing'), ('marketing_email'), ('analytics')) AS p (purpose)
        """,
        """
        INSERT INTO shop.orders (id, customer_id, placed_at, status, total, currency, shipping_address, payment_ref, tracking_number, note)
        SELECT o.id,
               c.id,
               timestamptz '2023-01-01 00:00:00+00' + ((o.id * 104729) % 94608000) * interval '1 second',
               (ARRAY['placed', 'paid', 'shipped', 'delivered', 'delivered', 'delivered', 'cancelled', 'refunded'])[(1 + (o.id * 13) % 8)::int],
               round(5 + ((o.id * 2654435761) % 50000) / 100.0, 2),
               'EUR',
               c.full_name || ', ' || c.street || ', ' || c.postal_code || ' ' || c.city || ', ' || c.country,
               'pi_' || substr(md5('payment' || o.id), 1, 24),
               CASE WHEN (o.id * 13) % 8 BETWEEN 2 AND 5 THEN 'TRK' || upper(substr(md5(o.id::text), 1, 14)) END,
               CASE WHEN o.id % 5 = 0 THEN (ARRAY['Please leave the parcel with the neighbour.', 'Gift wrap, no invoice in the box.',
                                                 'Deliver after 5 pm.', 'Call before delivery.'])[(1 + (o.id / 5) % 4)::int] END
        FROM shop.customers AS c
        CROSS JOIN LATERAL generate_series(0, (c.id * 5) % 8) AS k
        CROSS JOIN LATERAL (SELECT c.id::bigint * 8 + k AS id) AS o
        WHERE c.id BETWEEN @lo AND @hi
        """,
        """
        INSERT INTO shop.order_lines (order_id, line, product_id, quantity, unit_price, description)
        SELECT o.id,
               l,
               p.id,
               1 + ((o.id + l) * 7) % 4,
               p.price,
               p.name || CASE WHEN (o.id + l) % 9 = 0 THEN ' (gift)' ELSE '' END
        FROM shop.orders AS o
        CROSS JOIN LATERAL generate_series(1, 1 + (o.id % 5)::int) AS l
        JOIN shop.products AS p ON p.id = 1 + ((o.id * 31 + l * 17) % 500)
        WHERE o.customer_id BETWEEN @lo AND @hi
        """,
    ];

    /// <summary>
    /// Foreign keys checked in one pass each, then frozen and analyzed: the first read must not set hint bits (writes)
    /// during the first measured round only, and a checkpoint leaves no seeding WAL to flush during the rounds.
    /// </summary>
    public static IReadOnlyList<string> Finish { get; } =
    [
        """
        ALTER TABLE shop.consents ADD FOREIGN KEY (customer_id) REFERENCES shop.customers (id) ON DELETE CASCADE;
        ALTER TABLE shop.orders ADD FOREIGN KEY (customer_id) REFERENCES shop.customers (id);
        ALTER TABLE shop.order_lines ADD FOREIGN KEY (order_id) REFERENCES shop.orders (id) ON DELETE CASCADE;
        ALTER TABLE shop.order_lines ADD FOREIGN KEY (product_id) REFERENCES shop.products (id);
        """,
        "VACUUM (FREEZE, ANALYZE)",
        "CHECKPOINT",
    ];
}
