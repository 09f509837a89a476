import { describe, expect, it } from "vitest";
import { transactionWhen } from "../../public/dashboard/format.js";

describe("transactionWhen (the dashboard's date column)", () => {
  it("shows a date-only record on its calendar date in every zone, with no time", () => {
    const groceries = { transaction_date: "2026-11-25T00:00:00.000Z", date_only: true };
    for (const zone of ["UTC", "America/New_York", "Pacific/Kiritimati"])
      expect(transactionWhen(groceries, zone)).toEqual({ day: "2026-11-25", time: "" });
  });

  it("shows an instant as the local day and time of the zone", () => {
    const coffee = { transaction_date: "2026-11-26T07:15:00.000Z", date_only: false };
    expect(transactionWhen(coffee, "UTC")).toEqual({ day: "2026-11-26", time: "07:15" });
    expect(transactionWhen(coffee, "America/Los_Angeles")).toEqual({ day: "2026-11-25", time: "23:15" });
    expect(transactionWhen(coffee)).toEqual({ day: "2026-11-26", time: "07:15" });
  });
});
