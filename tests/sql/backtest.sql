-- The figures of `icp backtest` in SQL, for a differential test and for readers who want to
-- check a report by hand. Run it with tests/sql/backtest.py (Python's sqlite3, no install):
--
--   icp score --all --leads leads.csv -o scored.csv          # one row per lead and ICP
--   python3 tests/sql/backtest.py scored.csv deals.csv       # prints the figures as JSON
--
-- Inputs (tables of text, loaded from the CSV files by backtest.py):
--   scored(id, icp, tier, score, …)  `icp score --all`; `tier` empty when the lead has none
--   deals(company_id, outcome, amount, …)  a plain outcomes file, outcomes won/lost/open,
--                                          joined to the leads by company id
-- It holds when every lead is evaluated as of the same date: rules that do not read `today`
-- or dated signals, or deals without created dates.

-- A company's deals make one account: won if any deal is won, else lost if any is lost,
-- else open; its amount won is the sum of its won deals.
CREATE VIEW accounts AS
SELECT trim(company_id) AS company_id,
       CASE WHEN COUNT(CASE WHEN outcome = 'won' THEN 1 END) > 0 THEN 'won'
            WHEN COUNT(CASE WHEN outcome = 'lost' THEN 1 END) > 0 THEN 'lost'
            ELSE 'open' END AS outcome,
       TOTAL(CASE WHEN outcome = 'won' THEN CAST(amount AS REAL) END) AS amount_won
FROM deals
WHERE trim(company_id) <> ''
GROUP BY trim(company_id);

-- Every lead against every ICP, with its account's outcome (NULL: no deal).
CREATE VIEW leads AS
SELECT s.icp, NULLIF(s.tier, '') AS tier, CAST(s.score AS REAL) AS score,
       a.outcome, COALESCE(a.amount_won, 0) AS amount_won
FROM scored s LEFT JOIN accounts a ON a.company_id = trim(s.id);

-- The base: every lead.
CREATE VIEW base AS
SELECT icp,
       COUNT(*) AS accounts,
       COUNT(CASE WHEN outcome = 'won' THEN 1 END) AS won,
       COUNT(CASE WHEN outcome = 'lost' THEN 1 END) AS lost,
       COUNT(CASE WHEN outcome = 'open' THEN 1 END) AS open
FROM leads GROUP BY icp;

-- Per ICP and tier (NULL: not qualified): win rate = won / (won + lost), lift over the
-- base win rate, share of all wins captured, amount won.
CREATE VIEW tier_figures AS
SELECT t.icp, t.tier, t.accounts, t.won, t.lost, t.open,
       CASE WHEN t.won + t.lost > 0 THEN 1.0 * t.won / (t.won + t.lost) END AS win_rate,
       CASE WHEN t.won + t.lost > 0 AND b.won > 0
            THEN (1.0 * t.won / (t.won + t.lost)) / (1.0 * b.won / (b.won + b.lost)) END AS lift,
       CASE WHEN b.won > 0 THEN 1.0 * t.won / b.won END AS wins_captured,
       t.amount_won
FROM (SELECT icp, tier,
             COUNT(*) AS accounts,
             COUNT(CASE WHEN outcome = 'won' THEN 1 END) AS won,
             COUNT(CASE WHEN outcome = 'lost' THEN 1 END) AS lost,
             COUNT(CASE WHEN outcome = 'open' THEN 1 END) AS open,
             TOTAL(CASE WHEN outcome = 'won' THEN amount_won END) AS amount_won
      FROM leads GROUP BY icp, tier) t
JOIN base b ON b.icp = t.icp;

-- ROC AUC of the score over closed leads: the share of (won, lost) pairs where the won lead
-- scores higher, ties counting half (Mann–Whitney).
CREATE VIEW icp_auc AS
SELECT w.icp,
       TOTAL(CASE WHEN w.score > l.score THEN 1.0 WHEN w.score = l.score THEN 0.5 END)
         / COUNT(*) AS auc
FROM leads w JOIN leads l ON l.icp = w.icp AND w.outcome = 'won' AND l.outcome = 'lost'
GROUP BY w.icp;
