-- Demo data: 24 products and 40 made-up customers (example.com addresses, no real person) with consents.
-- The traffic generator relies on these ids: products 1..24, customers 1..40.

INSERT INTO shop.products (id, sku, name, category, price, stock) VALUES
    (1, 'MUG-001', 'Enamel camping mug', 'kitchen', 12.90, 140),
    (2, 'MUG-002', 'Double-wall glass mug', 'kitchen', 18.50, 80),
    (3, 'KTL-001', 'Stovetop kettle 1.5 l', 'kitchen', 39.00, 35),
    (4, 'PAN-001', 'Cast iron skillet 26 cm', 'kitchen', 54.00, 22),
    (5, 'KNF-001', 'Chef''s knife 20 cm', 'kitchen', 69.00, 40),
    (6, 'BRD-001', 'Oak cutting board', 'kitchen', 29.90, 60),
    (7, 'TEA-001', 'Loose leaf green tea 100 g', 'pantry', 8.40, 300),
    (8, 'TEA-002', 'Rooibos vanilla 100 g', 'pantry', 7.90, 260),
    (9, 'COF-001', 'Single-origin coffee beans 500 g', 'pantry', 16.00, 180),
    (10, 'HON-001', 'Wildflower honey 400 g', 'pantry', 9.50, 90),
    (11, 'OIL-001', 'Cold-pressed olive oil 500 ml', 'pantry', 14.20, 110),
    (12, 'SPC-001', 'Smoked paprika 80 g', 'pantry', 4.90, 220),
    (13, 'BAG-001', 'Waxed canvas tote', 'accessories', 45.00, 50),
    (14, 'BTL-001', 'Insulated bottle 750 ml', 'accessories', 27.00, 120),
    (15, 'UMB-001', 'Compact umbrella', 'accessories', 22.00, 75),
    (16, 'WAL-001', 'Leather card wallet', 'accessories', 34.00, 65),
    (17, 'NTB-001', 'Dot-grid notebook A5', 'stationery', 11.00, 400),
    (18, 'PEN-001', 'Brass ballpoint pen', 'stationery', 24.00, 150),
    (19, 'PEN-002', 'Fountain pen, fine nib', 'stationery', 48.00, 30),
    (20, 'INK-001', 'Blue-black ink 50 ml', 'stationery', 9.00, 90),
    (21, 'LMP-001', 'Desk lamp, warm white', 'home', 79.00, 18),
    (22, 'PLT-001', 'Terracotta planter 15 cm', 'home', 15.50, 70),
    (23, 'CDL-001', 'Soy candle, cedar', 'home', 19.90, 85),
    (24, 'BLK-001', 'Wool throw blanket', 'home', 89.00, 12)
ON CONFLICT (id) DO NOTHING;

INSERT INTO shop.customers (id, full_name, email, country, created_at)
SELECT i,
       first_name || ' ' || last_name,
       lower(first_name || '.' || last_name || i) || '@example.com',
       (ARRAY['DE', 'FR', 'NL', 'SE', 'IE', 'ES', 'IT', 'PL'])[1 + i % 8],
       timestamptz '2024-01-05 09:00:00+00' + i * interval '9 days 7 hours'
FROM generate_series(1, 40) AS i
CROSS JOIN LATERAL (
    SELECT (ARRAY['Ada', 'Bruno', 'Clara', 'Dario', 'Elif', 'Finn', 'Greta', 'Hugo', 'Ines', 'Jonas',
                  'Kira', 'Luca', 'Mira', 'Nils', 'Olga', 'Pavel', 'Rosa', 'Sami', 'Tara', 'Umut'])[1 + (i * 7) % 20] AS first_name,
           (ARRAY['Andersen', 'Bauer', 'Costa', 'Dubois', 'Eriksen', 'Fischer', 'Garcia', 'Horvat', 'Ivanova', 'Jansen',
                  'Keller', 'Lindqvist', 'Moreau', 'Novak', 'Olsen', 'Peeters', 'Quinn', 'Rossi', 'Schmidt', 'Tanaka'])[1 + (i * 11) % 20] AS last_name
) AS names
ON CONFLICT (id) DO NOTHING;

INSERT INTO shop.consents (customer_id, purpose, granted, updated_at)
SELECT c.id,
       p.purpose,
       CASE p.purpose
           WHEN 'order_processing' THEN true
           WHEN 'marketing_email' THEN c.id % 3 <> 0
           ELSE c.id % 2 = 0
       END,
       c.created_at + (c.id % 5) * interval '1 day'
FROM shop.customers AS c
CROSS JOIN (VALUES ('order_processing'), ('marketing_email'), ('analytics')) AS p (purpose)
ON CONFLICT (customer_id, purpose) DO NOTHING;
