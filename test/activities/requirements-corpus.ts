/** Requirement texts with the resources (and, for many, the fields) a person would expect. */
export interface Case {
  text: string;
  resources: Record<string, string[] | null>;
  auth?: boolean;
  referenced?: string[];
}

/**
 * The texts the reader was developed against. HELD_OUT below was written afterwards and not tuned
 * for: its figures show how the reader does on text it has not seen.
 */
export const CORPUS: Case[] = [
  {
    text: 'books (title, isbn, published date) and authors; a loan links a book to a member and has a due date',
    resources: {
      books: ['title', 'isbn', 'publishedDate'],
      authors: null,
      loans: ['bookId', 'memberId', 'dueDate'],
    },
    referenced: ['members'],
  },
  { text: 'user management with roles and login', resources: { users: null, roles: null }, auth: true },
  {
    text: 'A REST API for a todo list: todos (title, done, due date) and users (name, email)',
    resources: { todos: ['title', 'done', 'dueDate'], users: ['name', 'email'] },
  },
  { text: 'Create a REST API for user management', resources: { users: null } },
  {
    text: 'A REST API for a library: books, authors, loans',
    resources: { books: null, authors: null, loans: null },
  },
  {
    text: 'CRUD for products, categories and suppliers.',
    resources: { products: null, categories: null, suppliers: null },
  },
  {
    text: 'Manage customers and orders. Each order has a total, a status and an order date.',
    resources: { customers: null, orders: ['total', 'status', 'orderDate'] },
  },
  {
    text: 'The service should support:\n- projects with a name and a deadline\n- tasks with a title, estimated hours and a completed flag\n- comments',
    resources: {
      projects: ['name', 'deadline'],
      tasks: ['title', 'estimatedHours', 'completed'],
      comments: null,
    },
  },
  {
    text: 'Build an inventory system. Products have a name, a price and a quantity. Warehouses have a location.',
    resources: { products: ['name', 'price', 'quantity'], warehouses: ['location'] },
  },
  {
    text: 'Each post has a title, a body and a published flag. Each post belongs to an author. Readers can leave comments on posts.',
    resources: { posts: ['title', 'body', 'published', 'authorId'], comments: null },
    referenced: ['authors'],
  },
  {
    text: 'I need an API for a veterinary clinic. Owners have a name and a phone number. Pets have a name, a species and an age. Each pet belongs to an owner. Appointments link a pet to a vet and have a date and a reason.',
    resources: {
      owners: ['name', 'phoneNumber'],
      pets: ['name', 'species', 'age', 'ownerId'],
      appointments: ['petId', 'vetId', 'date', 'reason'],
    },
    referenced: ['vets'],
  },
  {
    text: 'Users can sign in with a username and password and then manage their notes.',
    resources: { users: ['username', 'password'], notes: null },
    auth: true,
  },
  {
    text: 'An events API: events (name, start time, location, capacity) and attendees (name, email). Attendees register for events.',
    resources: { events: ['name', 'startTime', 'location', 'capacity'], attendees: ['name', 'email'] },
  },
  {
    text: 'Employees: first name, last name, email, salary, hire date. Departments: name, budget.',
    resources: {
      employees: ['firstName', 'lastName', 'email', 'salary', 'hireDate'],
      departments: ['name', 'budget'],
    },
  },
  {
    text: 'We want to track invoices and payments. An invoice has a number, an amount and a due date; a payment references an invoice and has an amount and a paid at timestamp.',
    resources: { invoices: ['number', 'amount', 'dueDate'], payments: ['invoiceId', 'amount', 'paidAt'] },
  },
  {
    text: 'A simple blog backend with posts, tags and comments',
    resources: { posts: null, tags: null, comments: null },
  },
  {
    text: 'Customers have many orders, and each order contains a quantity and a price.',
    resources: { customers: null, orders: ['customerId', 'quantity', 'price'] },
  },
  {
    text: 'Implement a movie catalog. Movies have a title, a release year, a rating and a genre. Reviews belong to a movie and have a score and a comment.',
    resources: {
      movies: ['title', 'releaseYear', 'rating', 'genre'],
      reviews: ['movieId', 'score', 'comment'],
    },
  },
  {
    text: '* restaurants with name, address and cuisine\n* menu items with name, price, is vegetarian\n* reservations',
    resources: {
      restaurants: ['name', 'address', 'cuisine'],
      'menu-items': ['name', 'price', 'isVegetarian'],
      reservations: null,
    },
  },
  {
    text: 'An API to manage a fleet: vehicles (plate, model, mileage, active) and drivers (name, license number). Trips link a driver to a vehicle.',
    resources: {
      vehicles: ['plate', 'model', 'mileage', 'active'],
      drivers: ['name', 'licenseNumber'],
      trips: ['driverId', 'vehicleId'],
    },
  },
  {
    text: 'Course registration: students enroll in courses. Each course has a code, a title and a number of credits. Students have a name and an email.',
    resources: { students: ['name', 'email'], courses: ['code', 'title', 'numberOfCredits'] },
  },
  {
    text: 'Authentication with JWT tokens, plus CRUD for accounts and transactions (amount, description, date)',
    resources: { accounts: null, transactions: ['amount', 'description', 'date'] },
    auth: true,
  },
  {
    text: 'Products and categories. A product has a name, a price, a stock count and a category.',
    resources: { products: ['name', 'price', 'stockCount', 'categoryId'], categories: null },
  },
  {
    text: 'Support tickets with a subject, a priority and a resolved flag; agents are assigned tickets.',
    resources: { tickets: ['subject', 'priority', 'resolved'], agents: null },
  },
  {
    text: 'Keep a list of recipes. A recipe has a name, a number of servings, and optional notes.',
    resources: { recipes: ['name', 'numberOfServings', 'notes'] },
  },
  {
    text: 'Playlists and songs: a song has a title, an artist and a duration in seconds; playlists have a name and are owned by a user.',
    resources: { playlists: ['name', 'userId'], songs: ['title', 'artist', 'duration'] },
    referenced: ['users'],
  },
  {
    text: 'Hotel booking: rooms (number, type, price per night, available) and guests (name, email, phone). A booking links a guest to a room and has a check in date and a check out date.',
    resources: {
      rooms: ['number', 'type', 'pricePerNight', 'available'],
      guests: ['name', 'email', 'phone'],
      bookings: ['guestId', 'roomId', 'checkInDate', 'checkOutDate'],
    },
  },
  {
    text: 'Let users log in and manage their tasks and projects.',
    resources: { users: null, tasks: null, projects: null },
    auth: true,
  },
  {
    text: 'Warehouse stock: items have a sku, a name and a quantity; suppliers have a name and a contact email.',
    resources: { items: ['sku', 'name', 'quantity'], suppliers: ['name', 'contactEmail'] },
  },
  {
    text: 'A survey tool where surveys have a title and an is anonymous flag, questions belong to a survey and have a text, and responses reference a question.',
    resources: {
      surveys: ['title', 'isAnonymous'],
      questions: ['surveyId', 'text'],
      responses: ['questionId'],
    },
  },
];

export const HELD_OUT: Case[] = [
  {
    text: 'A REST API for a gym: members (name, email, join date, active) and classes with a title, a start time and a capacity. Members book classes.',
    resources: {
      members: ['name', 'email', 'joinDate', 'active'],
      classes: ['title', 'startTime', 'capacity'],
    },
  },
  {
    text: 'We need CRUD endpoints for articles and categories. Each article has a headline, a body, a word count and belongs to a category.',
    resources: { articles: ['headline', 'body', 'wordCount', 'categoryId'], categories: null },
  },
  {
    text: 'Parking garage API\n- spots: level, number, is covered\n- cars: plate, color\n- a ticket links a car to a spot and has an entry time and a fee',
    resources: {
      spots: ['level', 'number', 'isCovered'],
      cars: ['plate', 'color'],
      tickets: ['carId', 'spotId', 'entryTime', 'fee'],
    },
  },
  {
    text: 'An API for managing conferences, speakers and talks. A talk has a title, an abstract and a duration, and is given by a speaker.',
    // "abstract" is a Java keyword, so it is never a field.
    resources: { conferences: null, speakers: null, talks: ['title', 'duration'] },
  },
  {
    text: 'Expense tracker with login: expenses (amount, category, spent on date, note) and budgets (month, limit amount).',
    resources: { expenses: ['amount', 'category', 'spentOnDate', 'note'], budgets: ['month', 'limitAmount'] },
    auth: true,
  },
  {
    text: 'Photo sharing: albums contain photos. A photo has a caption, a width, a height and a taken at time.',
    resources: { albums: null, photos: ['caption', 'width', 'height', 'takenAt'] },
  },
  {
    text: 'Build a job board where companies post jobs. Jobs have a title, a salary and a remote flag. Candidates apply to jobs.',
    resources: { companies: null, jobs: ['title', 'salary', 'remote'], candidates: null },
  },
  {
    text: 'Todo app with lists and todos; each todo has a title, a due date, a priority and a done flag and belongs to a list.',
    resources: { lists: null, todos: ['title', 'dueDate', 'priority', 'done', 'listId'] },
  },
];
