export const config = {
  apiKey: process.env.API_KEY,
  secret: import.meta.env.VITE_SECRET,
  tokenHeader: "X-Auth-Token",
  passwordMinLength: 12,
  publishableKey: "pk_live_51Habc0123456789abcdefghijABCDEFGHIJ",
  passwordLabel: "Please enter your password",
};
const token = getToken();
