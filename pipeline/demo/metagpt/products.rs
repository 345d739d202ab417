//! The product catalogue behind PRD and design prompts: each product's
//! features (with the benefit and the method they imply), competitors and
//! class design, so that PRDs and designs are functions of the request.

/// A product idea, its feature catalogue and its design.
pub(crate) struct Product {
    pub name: &'static str,
    pub project: &'static str,
    pub audience: &'static str,
    pub platform: &'static str,
    pub framework: &'static str,
    /// (feature as a verb phrase, benefit, method it implies)
    pub features: &'static [(&'static str, &'static str, &'static str)],
    pub competitors: &'static [&'static str],
    /// (class, mermaid members)
    pub classes: &'static [(&'static str, &'static [&'static str])],
}

pub(crate) const PRODUCTS: &[Product] = &[
    Product {
        name: "a command-line snake game",
        project: "cli_snake_game",
        audience: "casual gamer",
        platform: "terminal",
        framework: "curses",
        features: &[
            (
                "steer the snake with the arrow keys",
                "I can play without a mouse",
                "handle_input(key: int) None",
            ),
            (
                "see my current score at all times",
                "I know how well I am doing",
                "draw_score() None",
            ),
            (
                "pause and resume the game",
                "I can take a break",
                "toggle_pause() None",
            ),
            (
                "choose between three difficulty levels",
                "the game stays challenging",
                "set_difficulty(level: str) None",
            ),
            (
                "restart immediately after game over",
                "I can try again quickly",
                "restart() None",
            ),
            (
                "keep a local high-score table",
                "I can beat my personal best",
                "save_high_score(score: int) None",
            ),
        ],
        competitors: &[
            "Google Snake: polished but browser only",
            "nSnake: classic terminal clone with few options",
            "Slither.io: multiplayer, requires network",
        ],
        classes: &[
            ("Game", &["-int score", "-bool paused", "+run() None"]),
            (
                "Snake",
                &[
                    "-list body",
                    "-str direction",
                    "+move() None",
                    "+grow() None",
                ],
            ),
            ("Food", &["-tuple position", "+respawn(grid: Grid) None"]),
            (
                "Grid",
                &["-int width", "-int height", "+is_free(cell: tuple) bool"],
            ),
        ],
    },
    Product {
        name: "a habit tracker app",
        project: "habit_tracker",
        audience: "busy professional",
        platform: "iOS and Android",
        framework: "FastAPI with a React Native client",
        features: &[
            (
                "create daily and weekly habits",
                "I can structure my routine",
                "create_habit(name: str, period: str) Habit",
            ),
            (
                "check off a habit with one tap",
                "logging takes no effort",
                "check_in(habit_id: str) CheckIn",
            ),
            (
                "see my current and longest streak",
                "I stay motivated",
                "streak(habit_id: str) int",
            ),
            (
                "get a reminder at a time I choose",
                "I do not forget",
                "schedule_reminder(habit_id: str, at: time) None",
            ),
            (
                "view a monthly calendar of completions",
                "I can spot patterns",
                "month_view(year: int, month: int) list",
            ),
            (
                "export my history as CSV",
                "I own my data",
                "export_csv() str",
            ),
        ],
        competitors: &[
            "Habitica: gamified but cluttered",
            "Streaks: elegant, iOS only",
            "Loop Habit Tracker: open source, Android only",
            "Todoist: task focused, weak streaks",
        ],
        classes: &[
            ("Habit", &["-str id", "-str name", "-str period"]),
            ("CheckIn", &["-str habit_id", "-date day"]),
            ("HabitService", &["+list_habits(user_id: str) list"]),
            (
                "ReminderScheduler",
                &["-dict jobs", "+cancel(habit_id: str) None"],
            ),
        ],
    },
    Product {
        name: "a recipe sharing website",
        project: "recipe_share",
        audience: "home cook",
        platform: "web",
        framework: "Django",
        features: &[
            (
                "publish a recipe with photos and steps",
                "I can share my dishes",
                "publish(recipe: Recipe) str",
            ),
            (
                "search recipes by ingredient",
                "I can cook with what I have",
                "search(ingredients: list) list",
            ),
            (
                "save recipes to a personal cookbook",
                "I find them again",
                "save_to_cookbook(recipe_id: str) None",
            ),
            (
                "rate and comment on recipes",
                "I can give feedback",
                "rate(recipe_id: str, stars: int) None",
            ),
            (
                "scale ingredient quantities by servings",
                "I can cook for any group size",
                "scale(recipe_id: str, servings: int) Recipe",
            ),
            (
                "filter by dietary restriction",
                "I avoid what I cannot eat",
                "filter_by_diet(tags: list) list",
            ),
        ],
        competitors: &[
            "Allrecipes: huge catalogue, heavy ads",
            "BBC Good Food: curated but not user generated",
            "Tasty: video first, weak search",
            "Paprika: great organiser, paid",
        ],
        classes: &[
            (
                "Recipe",
                &["-str id", "-str title", "-list steps", "-list ingredients"],
            ),
            ("Cookbook", &["-str owner_id", "-list recipe_ids"]),
            ("RecipeService", &["+get(recipe_id: str) Recipe"]),
            ("SearchIndex", &["+index(recipe: Recipe) None"]),
        ],
    },
    Product {
        name: "an expense splitting tool for shared flats",
        project: "flat_expense_splitter",
        audience: "flatmate",
        platform: "web and mobile",
        framework: "Flask",
        features: &[
            (
                "add a shared expense in any currency",
                "everyone sees what was paid",
                "add_expense(payer: str, amount: Decimal, currency: str) Expense",
            ),
            (
                "split an expense equally or by shares",
                "splits are fair",
                "split(expense_id: str, shares: dict) None",
            ),
            (
                "see who owes whom at a glance",
                "settling up is simple",
                "balances() dict",
            ),
            (
                "settle a debt with one payment record",
                "balances reset correctly",
                "settle(from_user: str, to_user: str) Payment",
            ),
            (
                "get a monthly summary by category",
                "we understand our spending",
                "monthly_summary(month: str) dict",
            ),
        ],
        competitors: &[
            "Splitwise: market leader, pro features paywalled",
            "Tricount: simple, limited reports",
            "Settle Up: offline support, dated UI",
        ],
        classes: &[
            (
                "Expense",
                &["-str id", "-Decimal amount", "-str currency", "-str payer"],
            ),
            (
                "Ledger",
                &["-list expenses", "+net_balance(user: str) Decimal"],
            ),
            (
                "Payment",
                &["-str from_user", "-str to_user", "-Decimal amount"],
            ),
            (
                "CurrencyConverter",
                &["+convert(amount: Decimal, src: str, dst: str) Decimal"],
            ),
        ],
    },
    Product {
        name: "a 2048 puzzle game for the browser",
        project: "web_2048",
        audience: "puzzle fan",
        platform: "web",
        framework: "Pyodide with a canvas front end",
        features: &[
            (
                "slide tiles with swipe or arrow keys",
                "the game works on any device",
                "move(direction: str) bool",
            ),
            (
                "undo my last move once per game",
                "one mistake is not fatal",
                "undo() None",
            ),
            (
                "see the best score I ever reached",
                "I have a goal to beat",
                "best_score() int",
            ),
            (
                "pick a board size from 4x4 to 6x6",
                "I can vary the difficulty",
                "new_game(size: int) None",
            ),
            (
                "get an animation when tiles merge",
                "the game feels responsive",
                "animate_merge(cells: list) None",
            ),
        ],
        competitors: &[
            "2048 original: minimal, no undo",
            "2048 Deluxe: many modes, intrusive ads",
            "Threes: beautiful, paid",
        ],
        classes: &[
            (
                "Board",
                &["-list cells", "-int size", "+slide(direction: str) int"],
            ),
            ("Game", &["-int score", "-list history", "+is_over() bool"]),
            ("Renderer", &["+draw(board: Board) None"]),
        ],
    },
    Product {
        name: "a personal finance dashboard",
        project: "finance_dashboard",
        audience: "young professional",
        platform: "web",
        framework: "FastAPI with a Vue front end",
        features: &[
            (
                "import transactions from a bank CSV export",
                "I do not type anything by hand",
                "import_csv(path: str) int",
            ),
            (
                "categorise transactions automatically",
                "I see where money goes",
                "categorise(tx: Transaction) str",
            ),
            (
                "set a monthly budget per category",
                "I can control spending",
                "set_budget(category: str, amount: Decimal) None",
            ),
            (
                "get an alert when a budget is exceeded",
                "I react in time",
                "check_budgets() list",
            ),
            (
                "view net worth over time",
                "I track long-term progress",
                "net_worth_series() list",
            ),
            (
                "tag recurring subscriptions",
                "I can cancel what I do not use",
                "find_subscriptions() list",
            ),
        ],
        competitors: &[
            "YNAB: powerful method, steep learning curve",
            "Mint: discontinued, users looking for replacements",
            "Copilot Money: polished, Apple only",
            "Spreadsheets: flexible but manual",
        ],
        classes: &[
            (
                "Transaction",
                &[
                    "-date day",
                    "-Decimal amount",
                    "-str payee",
                    "-str category",
                ],
            ),
            ("Budget", &["-str category", "-Decimal limit"]),
            (
                "Categoriser",
                &["-dict rules", "+learn(tx: Transaction, category: str) None"],
            ),
            ("Importer", &["+parse(path: str) list"]),
        ],
    },
    Product {
        name: "a team standup bot for Slack",
        project: "standup_bot",
        audience: "engineering manager",
        platform: "Slack",
        framework: "Bolt for Python",
        features: &[
            (
                "schedule the standup questions per team",
                "standups happen asynchronously",
                "schedule(team_id: str, cron: str) None",
            ),
            (
                "collect answers in a thread",
                "the channel stays readable",
                "collect(user_id: str, answers: list) None",
            ),
            (
                "post a daily digest of blockers",
                "blockers get attention",
                "post_digest(team_id: str) None",
            ),
            (
                "skip holidays and weekends",
                "nobody gets pinged on days off",
                "is_working_day(day: date) bool",
            ),
            (
                "export participation statistics",
                "I can see engagement",
                "participation(team_id: str) dict",
            ),
        ],
        competitors: &[
            "Geekbot: established, per-user pricing",
            "Standuply: many integrations, complex setup",
            "Range: check-ins plus goals, heavier",
        ],
        classes: &[
            (
                "StandupScheduler",
                &["-dict schedules", "+next_run(team_id: str) datetime"],
            ),
            (
                "AnswerStore",
                &["-dict answers", "+for_day(day: date) list"],
            ),
            ("DigestBuilder", &["+build(answers: list) str"]),
        ],
    },
    Product {
        name: "an inventory system for a small warehouse",
        project: "warehouse_inventory",
        audience: "warehouse manager",
        platform: "web and handheld scanners",
        framework: "FastAPI with PostgreSQL",
        features: &[
            (
                "scan items in and out with a barcode",
                "stock levels are always right",
                "scan(barcode: str, delta: int) StockLevel",
            ),
            (
                "see stock per location",
                "I know where things are",
                "stock_by_location(sku: str) dict",
            ),
            (
                "get a low-stock alert per SKU",
                "we reorder in time",
                "low_stock(threshold: int) list",
            ),
            (
                "run a cycle count on one aisle",
                "counting does not stop operations",
                "start_cycle_count(aisle: str) CycleCount",
            ),
            (
                "export a valuation report",
                "finance gets accurate numbers",
                "valuation_report() str",
            ),
        ],
        competitors: &[
            "Sortly: simple, limited multi-location",
            "Zoho Inventory: broad but generic",
            "inFlow: strong on desktop, weak mobile",
        ],
        classes: &[
            ("Item", &["-str sku", "-str name", "-int reorder_point"]),
            (
                "StockLevel",
                &["-str sku", "-str location", "-int quantity"],
            ),
            (
                "InventoryService",
                &["+move(sku: str, src: str, dst: str, qty: int) None"],
            ),
            ("BarcodeScanner", &["+decode(image: bytes) str"]),
        ],
    },
    Product {
        name: "a markdown note-taking app",
        project: "markdown_notes",
        audience: "student",
        platform: "desktop",
        framework: "PyQt6",
        features: &[
            (
                "write notes in markdown with live preview",
                "formatting is fast",
                "render_preview(text: str) str",
            ),
            (
                "link notes with double brackets",
                "ideas connect",
                "resolve_links(note: Note) list",
            ),
            (
                "search all notes by full text",
                "nothing gets lost",
                "search(query: str) list",
            ),
            (
                "organise notes in nested folders",
                "my courses stay separate",
                "move(note_id: str, folder: str) None",
            ),
            (
                "sync notes through a git repository",
                "I can use several machines",
                "sync() None",
            ),
        ],
        competitors: &[
            "Obsidian: powerful plugins, closed source",
            "Notion: collaborative, online only",
            "Joplin: open source, dated editor",
        ],
        classes: &[
            ("Note", &["-str id", "-str title", "-str body"]),
            ("Vault", &["-str root", "+notes() list"]),
            ("SearchEngine", &["+query(text: str) list"]),
            ("GitSync", &["+push() None", "+pull() None"]),
        ],
    },
    Product {
        name: "a URL shortener service",
        project: "url_shortener",
        audience: "marketing specialist",
        platform: "web API",
        framework: "FastAPI with Redis",
        features: &[
            (
                "shorten a long URL to a 7-character code",
                "links fit in a tweet",
                "shorten(url: str) str",
            ),
            (
                "choose a custom alias",
                "links are memorable",
                "reserve_alias(alias: str, url: str) None",
            ),
            (
                "see click counts per link",
                "I can measure campaigns",
                "click_stats(code: str) dict",
            ),
            (
                "set an expiry date on a link",
                "old campaigns stop resolving",
                "set_expiry(code: str, at: datetime) None",
            ),
            (
                "generate a QR code for a link",
                "print materials can use it",
                "qr_png(code: str) bytes",
            ),
        ],
        competitors: &[
            "Bitly: market leader, expensive analytics",
            "TinyURL: free, few features",
            "Rebrandly: branded domains, complex",
        ],
        classes: &[
            (
                "Link",
                &["-str code", "-str target", "-datetime expires_at"],
            ),
            (
                "Shortener",
                &["-int code_length", "+resolve(code: str) str"],
            ),
            ("ClickCounter", &["+hit(code: str) None"]),
        ],
    },
];
